"""The comparison ignores run-to-run noise and reports every real change."""

from __future__ import annotations

import base64

from rtinspect.replay.compare import compare
from rtinspect.replay.normalize import IdNamer, normalize
from rtinspect.tap import META_CONNECTION_CLOSED, Tapped


def _session(ids: tuple[str, str], *, transcript: str = "hi", audio_ms: int = 100, err: str | None = None,
             closed_by: str = "client", extra_tail: bool = False) -> list[Tapped]:  # fmt: skip
    item, resp = ids
    audio = base64.b64encode(bytes(48 * audio_ms)).decode()
    evs: list[tuple[str, dict]] = [
        ("server", {"type": "session.created", "event_id": f"event_{item}", "session": {"id": f"sess_{item}", "expires_at": 123, "voice": "alloy"}}),
        ("server", {"type": "input_audio_buffer.committed", "item_id": f"item_{item}"}),
        ("server", {"type": "conversation.item.input_audio_transcription.completed", "item_id": f"item_{item}", "transcript": transcript}),
        ("server", {"type": "response.created", "response": {"id": f"resp_{resp}"}}),
        ("server", {"type": "response.output_audio.delta", "response_id": f"resp_{resp}", "delta": audio, "obfuscation": item}),
        ("server", {"type": "response.output_audio.delta", "response_id": f"resp_{resp}", "delta": audio, "obfuscation": resp}),
        ("server", {"type": "response.done", "response": {"id": f"resp_{resp}", "status": "completed"}}),
    ]  # fmt: skip
    if err:
        evs.append(
            (
                "server",
                {"type": "error", "error": {"code": err, "message": f"bad resp_{resp}", "param": None}},
            )
        )
    if extra_tail:
        evs.append(("server", {"type": "rate_limits.updated", "rate_limits": []}))
    recs = [Tapped(i * 0.1, d, e) for i, (d, e) in enumerate(evs)]  # type: ignore[arg-type]
    recs.append(
        Tapped(9.0, "meta", {"type": META_CONNECTION_CLOSED, "code": 1000, "reason": "", "by": closed_by})
    )
    return recs


def test_ids_times_obfuscation_and_chunking_are_ignored() -> None:
    a = _session(("AAAAAAAA1", "RRRRRRRR1"), err="x")
    b = _session(("BBBBBBBB2", "SSSSSSSS2"), err="x")
    assert compare(a, b) == []


def test_real_changes_are_reported_by_area() -> None:
    a = _session(("AAAAAAAA1", "RRRRRRRR1"))
    b = _session(
        ("BBBBBBBB2", "SSSSSSSS2"), transcript="hello", audio_ms=300, err="input_audio_buffer_commit_empty"
    )
    areas = {d.area for d in compare(a, b)}
    assert areas == {"events", "transcripts", "audio", "errors"}


def test_trailing_events_after_the_app_closed_are_not_differences_but_missing_ones_are() -> None:
    a = _session(("AAAAAAAA1", "RRRRRRRR1"))
    assert compare(a, _session(("B" * 9, "S" * 9), extra_tail=True)) == []
    server_closed = _session(("AAAAAAAA1", "RRRRRRRR1"), closed_by="server")
    assert [
        d.area
        for d in compare(server_closed, _session(("B" * 9, "S" * 9), closed_by="server", extra_tail=True))
    ] == ["events"]
    assert [d.area for d in compare(_session(("A" * 9, "R" * 9), extra_tail=True), a)] == ["events"]


def test_normalize_renames_ids_consistently() -> None:
    ids = IdNamer()
    out = normalize(
        {"type": "x", "event_id": "event_1234567", "item": {"id": "item_abcdefg"}, "ref": "item_abcdefg"}, ids
    )
    assert out == {"type": "x", "item": {"id": "item_#1"}, "ref": "item_#1"}


def test_a_replay_that_differs_everywhere_reports_a_bounded_list() -> None:
    """Each differing stretch is named with its turn, at most MAX_EVENT_DIFFERENCES of them, then a
    count: a replay gone wrong early differs in every turn, and one line per turn helps nobody."""
    from rtinspect.replay.compare import MAX_EVENT_DIFFERENCES

    def turns(n: int, extra: bool) -> list[Tapped]:
        out: list[Tapped] = []
        for k in range(n):
            out.append(Tapped(k, "server", {"type": "response.created", "response": {"id": f"resp_{k:08d}"}}))
            if extra:
                out.append(Tapped(k, "server", {"type": "rate_limits.updated", "rate_limits": []}))
            out.append(Tapped(k, "server", {"type": "response.done", "response": {"id": f"resp_{k:08d}"}}))
        return out

    diffs = [d for d in compare(turns(100, False), turns(100, True)) if d.area == "events"]
    assert len(diffs) == MAX_EVENT_DIFFERENCES + 1
    assert diffs[0].message.startswith("turn 1: replay has extra server events after #0: rate_limits.updated")
    assert (
        diffs[-1].message
        == f"… and {100 - MAX_EVENT_DIFFERENCES} more stretches of differing server events in {100 - MAX_EVENT_DIFFERENCES} turn(s)"
    )
