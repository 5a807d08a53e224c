"""Findings have a lifecycle: a later event that cures a finding's cause marks it resolved (with that
event), live and in a recorded log alike; the exit status counts only what is still open at the end.
Also: the doctor reads the one ``SessionState`` (shared with the views) as it was before each event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rtinspect.cli import main
from rtinspect.doctor import Doctor
from rtinspect.log import LogWriter
from rtinspect.session.state import SessionState

from .synth import Synth

TRANSCRIBE = {"type": "realtime", "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}}


def _turn_without_transcription(s: Synth) -> None:
    s.user_turn("item_u1", transcript=None)


def test_transcription_finding_is_resolved_by_an_enabling_update_and_a_transcript() -> None:
    """Issue 10, deliverable 7: the finding does not outlive its cause."""
    s = Synth()
    _turn_without_transcription(s)
    doctor = Doctor("ga")
    live: list[tuple[int, str, int | None]] = []
    for pos, rec in enumerate(s.recs):
        live += [(pos, f.code, f.resolved_by) for f in doctor.feed(rec)]
    opened = [x for x in live if x[1] == "transcription-not-enabled"]
    assert opened and all(resolved is None for _, _, resolved in opened)  # open while transcription is off

    s.update(TRANSCRIBE)
    updated = len(s.recs) - 1
    s.user_turn("item_u2", transcript="what is the weather")
    transcript = next(
        i for i, r in enumerate(s.recs) if r.type == "conversation.item.input_audio_transcription.completed"
    )
    for rec in s.recs[doctor.events_seen :]:
        for f in doctor.feed(rec):
            live.append((doctor.events_seen - 1, f.code, f.resolved_by))
    doctor.finish()

    # live: the transcript event itself reports the finding as resolved, by that event
    assert (transcript, "transcription-not-enabled", transcript) in live
    (f,) = [f for f in doctor.findings if f.code == "transcription-not-enabled"]
    assert f.status == "resolved" and f.resolved_by == transcript
    assert f"#{updated}" in (f.resolution or "")  # names the session.updated that enabled it
    assert f not in doctor.open_findings
    # the same session with transcription never enabled keeps it open to the end
    s2 = Synth()
    _turn_without_transcription(s2)
    s2.user_turn("item_u2", transcript=None)
    (g,) = [f for f in s2.diagnose() if f.code == "transcription-not-enabled"]
    assert g.status == "open" and g.resolved_by is None


def _write(path: Path, s: Synth) -> None:
    with LogWriter(path, dialect="ga", url="ws://127.0.0.1/v1/realtime?model=gpt-realtime") as w:
        for rec in s.recs:
            w.write(rec)


def _rate_rejected(s: Synth) -> int:
    pos = s.update(
        {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}},
        accept=False,
    )
    s.error(
        "integer_below_min_value",
        "Invalid 'session.audio.input.format.rate': integer below minimum value. Expected a value >= 24000, "
        "but got 16000 instead.",
        "session.audio.input.format.rate",
    )
    return pos


def test_exit_status_counts_only_findings_still_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixed = Synth()
    _rate_rejected(fixed)
    corrected = fixed.update(
        {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}}}}
    )
    accepted = corrected + 1
    broken = Synth()
    _rate_rejected(broken)
    _write(tmp_path / "fixed.jsonl", fixed)
    _write(tmp_path / "broken.jsonl", broken)

    assert main(["doctor", "--json", str(tmp_path / "fixed.jsonl")]) == 0
    (log,) = json.loads(capsys.readouterr().out)["logs"]
    (f,) = [f for f in log["findings"] if f["code"] == "session-value-out-of-range"]
    assert f["severity"] == "error" and f["status"] == "resolved" and f["resolved_by"] == accepted
    assert "audio.input.format" in f["resolution"]

    assert main(["doctor", "--json", str(tmp_path / "broken.jsonl")]) == 1
    (log,) = json.loads(capsys.readouterr().out)["logs"]
    (f,) = [f for f in log["findings"] if f["code"] == "session-value-out-of-range"]
    assert f["status"] == "open" and f["resolved_by"] is None

    assert main(["doctor", str(tmp_path / "fixed.jsonl")]) == 0
    text = capsys.readouterr().out
    assert "RESOLVED session-value-out-of-range" in text and f"resolved at #{accepted}" in text


def test_the_doctor_folds_the_state_the_views_share_and_rules_see_it_before_each_event() -> None:
    s = Synth()
    s.append(b"\0" * 4800 * 3, chunk_ms=100)  # 300 ms of audio appended at 24 kHz
    s.update({"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcmu"}}}})
    state = SessionState(dialect="ga")
    doctor = Doctor(state=state)
    areas: set[str] = set()
    for rec in s.recs:
        changed, _ = doctor.step(rec)
        areas |= changed
    assert doctor.state is state and state.counters.events == len(s.recs)  # one fold, shared
    assert {"session", "buffer"} <= areas
    # the format-order rule compared the format held BEFORE session.updated with the new one
    f = next(f for f in doctor.findings if f.code == "audio-before-format-update")
    assert "pcm16 at 24000 Hz" in f.explanation and "g711_ulaw at 8000 Hz" in f.explanation
