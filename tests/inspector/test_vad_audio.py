"""VAD windows' audio without a UI: the appends a window spans, levels read by offset from the log
(audio.levels), the sparkline, and the samples for playback."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from rtinspect.audio.levels import levels
from rtinspect.inspector.loader import open_model
from rtinspect.inspector.model import SessionModel
from rtinspect.inspector.pointfold import fold_log
from rtinspect.inspector.vad_audio import (
    selected_window_audio,
    sparkline,
    window_appends,
    window_levels,
    window_pcm,
)

REC = Path(__file__).resolve().parents[2] / "recordings"


def folded(name: str) -> SessionModel:
    model, reader = open_model(REC / name)
    while not reader.index_more():
        pass
    model.index.refresh_columns()
    for report in fold_log(model.index, model.checkpoints):
        model.adopt(report)
    return model


def test_window_spans_its_appends_and_levels_match_a_full_parse() -> None:
    model = folded("healthy-ga.jsonl")
    buffer = model.fold.state.buffer
    [window] = buffer.speech
    audio = window_appends(buffer, window)
    assert audio is not None and (audio.start_ms, audio.end_ms) == (30, 1770)
    # the appends whose audio overlaps 30..1770 ms of the input, by the fold's cumulative ms
    cum = dict(zip(buffer.append_pos, buffer.append_cum_ms, strict=True))
    assert cum[audio.positions[0]] > 30 and cum[audio.positions[0]] - 30 <= 40
    assert cum[audio.positions[-1]] >= 1770 and all(
        model.index.rec(p).type == "input_audio_buffer.append" for p in audio.positions
    )
    got = window_levels(model, audio)
    # read by offset == decoded from the parsed event, append by append
    want = [levels(base64.b64decode(model.index.rec(p).event["audio"])).rms_dbfs for p in audio.positions]
    assert got == pytest.approx(want)
    assert min(got) == -120.0 and max(got) > -30  # silence before the speech, then the voice
    pcm = window_pcm(model, audio)
    assert len(pcm) == sum(len(base64.b64decode(model.index.rec(p).event["audio"])) for p in audio.positions)


def test_sparkline_scales_dbfs_to_blocks() -> None:
    line = sparkline([-120.0, -70.0, -35.0, 0.0], 4)
    assert line[0] == " " and line[-1] == "█" and len(line) == 4
    assert len(sparkline([-20.0] * 100, 10)) == 10 and sparkline([], 10) == ""


def test_selected_vad_event_plays_its_window() -> None:
    model = folded("ga-rate-16000.jsonl")
    types = [model.index.rec(i).type for i in range(len(model.index))]
    stopped = types.index("input_audio_buffer.speech_stopped")
    label, pcm, rate = selected_window_audio(model, stopped)
    assert label.startswith("VAD window 0–1600 ms") and rate == 24000 and len(pcm) > 0
    assert selected_window_audio(model, types.index("response.created")) is None  # not a VAD event
