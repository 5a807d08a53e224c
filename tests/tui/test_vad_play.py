"""The Buffer panel's level sparkline per VAD window, and P playing the selected VAD window with
sounddevice mocked (there is no audio device here), or saying why it cannot."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sessions import plain, settled

from rtinspect.audio import devices
from rtinspect.inspector.loader import open_model
from rtinspect.tui.app import RtInspectApp
from rtinspect.tui.screens import actions
from rtinspect.tui.widgets.event_list import EventList

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))
from test_devices import fake_sounddevice  # noqa: E402

REC = Path(__file__).resolve().parents[2] / "recordings"


def app_for(name: str) -> RtInspectApp:
    model, reader = open_model(REC / name)
    return RtInspectApp(model, reader=reader, endpoint=name)


def select_type(app: RtInspectApp, type_: str) -> int:
    idx = app.model.index
    event = next(i for i in range(len(idx)) if idx.rec(i).type == type_)
    assert app.screen.query_one(EventList).select_event(event)
    return event


async def test_buffer_panel_shows_a_sparkline_per_window() -> None:
    app = app_for("healthy-ga.jsonl")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        app.screen.query_one(EventList).action_last()  # the panels show the state at the cursor
        app.screen.query_one("TabbedContent").active = "tab-buffer"
        await settled(pilot)
        text = plain(app.screen.query_one("#buffer-lists"))
        window = text.split("speech windows\n", 1)[1].splitlines()
        assert window[0].strip().startswith("30–1770 ms")
        spark = window[1].strip()
        assert len(spark) > 10 and set(spark) <= set(" ▁▂▃▄▅▆▇█") and "▆" in spark


async def test_p_plays_the_selected_vad_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice())
    monkeypatch.setattr(actions, "_AUDIO_STATUS", None)  # probe the mocked device
    played: list[tuple[int, int]] = []
    real_play = devices.Speaker.play

    def spy(self: devices.Speaker, pcm16: bytes) -> None:
        played.append((self.rate, len(pcm16)))
        real_play(self, pcm16)

    monkeypatch.setattr(devices.Speaker, "play", spy)
    monkeypatch.setattr("rtinspect.inspector.playback.time.sleep", lambda s: None)
    app = app_for("ga-rate-16000.jsonl")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        select_type(app, "input_audio_buffer.speech_stopped")
        await pilot.press("P")
        await app.workers.wait_for_complete()
        await pilot.pause()
        # 0..1600 ms of input as the server measured it (24 kHz pcm16: the 16 kHz update was refused)
        assert played and played[0][0] == 24000 and 1600 * 48 <= played[0][1] <= 1700 * 48
        assert any("playing VAD window 0–1600 ms" in str(n.message) for n in app._notifications)


async def test_p_without_a_device_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions, "_AUDIO_STATUS", (False, "no output device"))
    app = app_for("ga-rate-16000.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        select_type(app, "input_audio_buffer.speech_stopped")
        # the key is not swallowed by a disabled binding: pressing P says why it cannot play
        assert app.screen.check_action("play_audio", ()) is True
        await pilot.press("P")
        await pilot.pause()
        assert any("no audio device: no output device" in str(n.message) for n in app._notifications)
