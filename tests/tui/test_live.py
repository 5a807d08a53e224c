"""Pilot tests of the live view against an embedded server started in the test (port 0, fake
transcriber): the "done when" path, the actions, recording and the one-refresh-per-frame drain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sessions import plain, wait_until
from textual.widgets import DataTable, TextArea

from rtinspect.log import LogReader
from rtinspect.server import FakeTranscriber, ServerThread
from rtinspect.tui.session import build_live
from rtinspect.tui.widgets.event_list import EventList

ROOT = Path(__file__).resolve().parents[2]
WAV = ROOT / "recordings" / "hello_24k_mono.wav"


@pytest.fixture
def server():
    srv = ServerThread(transcriber=FakeTranscriber("hello world from the test")).start()
    yield srv
    srv.stop()


def types(app) -> list[str]:
    idx = app.model.index
    return [idx.type_names[int(c)] for c in idx.type_codes]


async def test_done_when_stream_enable_transcription_see_transcript(server, tmp_path: Path) -> None:
    """The issue's path: live on the embedded server, enable transcription in the editor, stream a
    recordings/ WAV, and the transcript appears in the buffer panel; everything was recorded."""
    log = tmp_path / "live.jsonl"
    app = build_live(server=server, record=str(log))
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: "session.created" in types(app))
        status = plain(app.screen.query_one("StatusBar"))
        assert "embedded local server — no API key" in status and "connected" in status
        assert "REC" in status and str(log) in status
        await pilot.press("u")
        await pilot.pause()
        editor = app.screen
        assert editor.__class__.__name__ == "EditorScreen"
        await pilot.press("f2")
        code = editor.query_one("#code", TextArea).text
        assert '"transcription": {' in code and "gpt-4o-mini-transcribe" in code
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "session.updated" in types(app))
        await wait_until(pilot, lambda: "session.updated" in editor.query_one("#answer", TextArea).text)
        await pilot.press("escape")
        await pilot.pause()
        app.screen.start_stream(WAV, realtime=False)
        done = "conversation.item.input_audio_transcription.completed"
        await wait_until(pilot, lambda: done in types(app))
        await pilot.pause(0.2)
        app.screen.query_one("TabbedContent").active = "tab-buffer"
        await pilot.pause()
        text = plain(app.screen.query_one("#buffer-lists"))
        assert "completed" in text and "hello world from the test" in text
        # the list folded the appends into one run row
        assert any((app.model.run_label(r) or "").endswith(" s") for r in range(app.model.row_count))
    # the recording holds every event the view saw
    seen = types(app)
    with LogReader.open(log) as reader:
        logged = [reader.type_name(i) for i in range(len(reader))]
    assert logged[: len(seen)] == seen  # plus the close that happened as the app quit
    assert logged[-1] == "rtinspect.connection.closed"


async def test_actions_commit_clear_response_and_errors(server) -> None:
    app = build_live(server=server, no_record=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "session.created" in types(app))
        status = plain(app.screen.query_one("StatusBar"))
        assert "not recording" in status
        await pilot.press("c")  # commit an empty buffer: the server's real error
        await wait_until(pilot, lambda: "error" in types(app))
        await pilot.press("x")
        await wait_until(pilot, lambda: "input_audio_buffer.cleared" in types(app))
        await pilot.press("R")  # cancel with nothing active
        await wait_until(pilot, lambda: types(app).count("error") >= 2)
        codes = {
            app.model.index.rec(i).event["error"]["code"] for i, t in enumerate(types(app)) if t == "error"
        }
        assert {"input_audio_buffer_commit_empty", "response_cancel_not_active"} <= codes
        await pilot.press("r")
        await wait_until(pilot, lambda: "response.done" in types(app))
        # the list follows the tail while the user stays at the end
        events = app.screen.query_one(EventList)
        assert events.follow and events.cursor == app.model.row_count - 1


async def test_send_event_editor_validates_with_line_and_hint(server) -> None:
    app = build_live(server=server, no_record=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "session.created" in types(app))
        await pilot.press("s")
        await pilot.pause()
        editor = app.screen
        area = editor.query_one("#code", TextArea)
        area.load_text(
            '{\n  "type": "session.update",\n  "session": {\n    "type": "realtime",\n    "input_audio_transcription": {"model": "whisper-1"}\n  }\n}'
        )
        editor.validate_now()
        problems = plain(editor.query_one("#problems"))
        assert "L5" in problems and "input_audio_transcription" in problems
        assert "→" in problems  # the validator's hint (the GA name)
        await pilot.press("ctrl+s")  # first press with problems only warns
        await pilot.pause()
        assert "error" not in types(app)
        await pilot.press("ctrl+s")  # second press sends anyway: the server's error shows beside
        await wait_until(pilot, lambda: "error" in editor.query_one("#answer", TextArea).text)
        area.load_text("{not json")
        editor.validate_now()
        assert "not JSON" in plain(editor.query_one("#problems"))


async def test_record_toggle_and_reconnect(server, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = build_live(server=server, no_record=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "session.created" in types(app))
        await pilot.press("w")
        await pilot.pause()
        path = app.controller.record_path
        assert path is not None and path.parent == tmp_path / "rtinspect" / "sessions"
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: types(app).count("session.created") == 2)
        await pilot.press("w")
        await pilot.pause()
        assert app.controller.writer is None
    with LogReader.open(path) as reader:
        assert "session.created" in reader.type_names
        assert "rtinspect.connection.closed" in reader.type_names


async def test_findings_appear_live(server) -> None:
    app = build_live(server=server, no_record=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: "session.created" in types(app))
        await app.controller.send(
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}},
                },
            }
        )
        await wait_until(pilot, lambda: "error" in types(app))
        tabs = app.screen.query_one("TabbedContent")
        await wait_until(pilot, lambda: str(tabs.get_tab("tab-findings").label).startswith("Findings ("))
        tabs.active = "tab-findings"
        await pilot.pause()
        table = app.screen.query_one("#findings-table", DataTable)
        codes = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert "session-value-out-of-range" in codes
        # apply the fix: Enter opens the editor prefilled with it, valid, and Ctrl+S sends it
        table.focus()
        table.move_cursor(row=codes.index("session-value-out-of-range"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "EditorScreen")
        editor = app.screen
        fixed = json.loads(editor.query_one("#code", TextArea).text)
        assert fixed["type"] == "session.update"
        assert fixed["session"]["audio"]["input"]["format"]["rate"] == 24000
        editor.validate_now()
        assert editor.problems == [] and editor.parse_error is None
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: types(app).count("session.updated") >= 1)


def long_wav(path: Path, seconds: float = 30.0, rate: int = 16000) -> Path:
    """A quiet tone long enough that a starved test loop never sees the stream end on its own."""
    import wave

    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    pcm = (np.sin(2 * np.pi * 220 * t) * 0.05 * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


async def test_stream_shows_progress_and_stops(server, tmp_path: Path) -> None:
    """The status bar says what streams while it streams. The clip is 30 s: with the 3.4 s
    recording a loaded machine (CI at load 10) let the stream end before the check ran."""
    wav = long_wav(tmp_path / "long_16k.wav")
    app = build_live(server=server, no_record=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: "session.created" in types(app))
        app.screen.start_stream(wav, realtime=True)
        await wait_until(pilot, lambda: types(app).count("input_audio_buffer.append") >= 5)
        # the status shows it while it streams (a wait on that, not a pause: a loaded machine is slow)
        await wait_until(pilot, lambda: "streaming long_16k.wav" in plain(app.screen.query_one("StatusBar")))
        status = plain(app.screen.query_one("StatusBar"))
        assert "16000 Hz → 24000 Hz (resampled)" in status and "(A stops)" in status
        await pilot.press("A")
        await wait_until(pilot, lambda: app.controller.stream_task.done())
        await pilot.pause(0.2)  # the last appends reach the list in the next 30 Hz batch
        sent = types(app).count("input_audio_buffer.append")
        await pilot.pause(0.3)
        assert types(app).count("input_audio_buffer.append") == sent  # nothing more after stopping
        assert "streaming" not in plain(app.screen.query_one("StatusBar"))
