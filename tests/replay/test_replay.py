"""Replay a recorded session against the embedded server and compare the answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rtinspect.exchange.logio import read_log
from rtinspect.replay.compare import compare
from rtinspect.replay.plan import plan_from_log
from rtinspect.replay.runner import embedded_target, run_replay
from rtinspect.server import EmbeddedServer


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rtinspect", "replay", *args], capture_output=True, text=True, timeout=120
    )


def test_replay_of_an_unchanged_session_reports_no_difference(recorded: Path, tmp_path: Path) -> None:
    new = tmp_path / "again.jsonl"
    out = _cli(str(recorded), "--compare", "--record", str(new))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "compare: no differences" in out.stdout
    original = [r for r in read_log(recorded).records if r.dir == "client"]
    again = [r for r in read_log(new).records if r.dir == "client"]
    assert [r.event for r in again] == [r.event for r in original]


def test_a_changed_session_config_is_reported(recorded: Path, tmp_path: Path) -> None:
    lines = recorded.read_text().splitlines()
    edited = []
    for line in lines:
        obj = json.loads(line)
        if obj.get("type") == "session.update" and obj["event"]["session"].get("instructions"):
            obj["event"]["session"]["instructions"] = "Be verbose."
            obj["event"]["session"]["output_modalities"] = ["text"]
        edited.append(json.dumps(obj))
    changed = tmp_path / "changed.jsonl"
    changed.write_text("\n".join(edited) + "\n")
    out = _cli(str(changed), "--compare", "--as-fast-as-possible", "--json")
    assert out.returncode == 1, out.stdout + out.stderr
    result = json.loads(out.stdout)
    areas = {d["area"] for d in result["differences"]}
    messages = " ".join(d["message"] for d in result["differences"])
    assert "session" in areas and "session.instructions: 'Be brief.' -> 'Be verbose.'" in messages
    assert "events" in areas  # text instead of audio changes the response's event sequence
    [again] = tmp_path.glob("changed.replay-*.jsonl")  # recorded by default, beside the original
    assert result["record"] == str(again) and '"Be verbose."' in again.read_text()


async def test_replay_api_against_a_running_server_with_speed(recorded: Path) -> None:
    log = read_log(recorded)
    plan = plan_from_log(log)
    assert plan.model == "gpt-realtime" and plan.dialect == "ga" and plan.closed_by == "client"
    async with EmbeddedServer(port=0, transcriber=None) as server:
        result = await run_replay(plan, embedded_target(server.url, plan), speed=4.0)
    assert result.sent == len(plan.sends) and result.unsent == 0
    assert compare(log.records, result.records) == []


def test_replay_of_a_missing_or_empty_log_is_a_one_line_error(tmp_path: Path) -> None:
    out = _cli(str(tmp_path / "nope.jsonl"))
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    bad = _cli(str(tmp_path / "nope.jsonl"), "--speed", "0")
    assert bad.returncode == 2


async def test_events_are_never_sent_before_their_scaled_time() -> None:
    from rtinspect.replay.plan import ReplayPlan

    update = {"type": "session.update", "session": {"type": "realtime"}}
    plan = ReplayPlan(sends=[(0.1, update), (0.3, update), (0.5, update)], model="gpt-realtime")
    async with EmbeddedServer(port=0, transcriber=None) as server:
        result = await run_replay(plan, embedded_target(server.url, plan), speed=2.0, quiet=0.1)
    sent = [r.t for r in result.records if r.dir == "client"]
    opened = next(r.t for r in result.records if r.type == "rtinspect.connection.opened")
    assert len(sent) == 3
    for t, (planned, _) in zip(sent, plan.sends, strict=True):
        assert t - opened >= planned / 2.0 - 0.005  # a lower bound only: never early


def test_compare_without_a_recording_reads_the_answers_from_a_scratch_file_it_removes(
    recorded: Path, tmp_path: Path
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = subprocess.run(
        [sys.executable, "-m", "rtinspect", "replay", str(recorded), "--no-record", "--compare", "--json"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "TMPDIR": str(scratch)},
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    result = json.loads(out.stdout)
    assert result["differences"] == [] and result["record"] is None and result["server_events"] > 0
    assert list(scratch.iterdir()) == []  # the scratch recording is gone
    assert sorted(p.name for p in recorded.parent.iterdir()) == [recorded.name, "tmp"]  # no recording beside it
