"""Re-run a recorded session and compare the server's answers.

- ``plan.plan_from_log(SessionLog) -> ReplayPlan``: the client events with their times, and the
  connection parameters (dialect, model/intent, carried headers, how the original closed).
- ``runner.run_replay(plan, target, *, speed=1.0 | None, record=None, sinks=None) -> ReplayResult``.
- ``compare.compare(original_records, replay_records) -> list[Difference]``.
- ``normalize.normalize(event, IdNamer())``: an event with ids, times and padding neutralised.
"""
