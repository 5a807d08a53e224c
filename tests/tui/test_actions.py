"""Pilot tests of the actions around the panels: help, command palette, file picker, copy and
save, step and seek in a recorded log, save-as and open another log, audio playback disabled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sessions import broken_session, plain, settled, write_log

from rtinspect.inspector.loader import open_model
from rtinspect.log import LogReader
from rtinspect.tui.app import RtInspectApp
from rtinspect.tui.screens import actions
from rtinspect.tui.screens.picker import AudioPicker, StreamChoice
from rtinspect.tui.widgets.event_list import EventList

ROOT = Path(__file__).resolve().parents[2]


def make_app(path: Path) -> RtInspectApp:
    model, reader = open_model(path)
    return RtInspectApp(model, reader=reader, endpoint=str(path))


async def settle(app: RtInspectApp, pilot) -> None:
    await settled(pilot)


async def test_help_screen_opens_and_closes(broken_log: Path) -> None:
    app = make_app(broken_log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
        text = app.screen.query_one("Markdown").source
        assert "Recorded log" in text and "Live session" not in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


async def test_command_palette_lists_and_runs_actions(broken_log: Path) -> None:
    app = make_app(broken_log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Next error" in titles and "Save the log as" in titles
        assert "Stream an audio file" not in titles  # live-only actions hidden over a recording
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Next error")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.screen is app.main
        assert app.screen.query_one(EventList).selected_event == 2


async def test_copy_and_save_event(broken_log: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(broken_log)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        events = app.screen.query_one(EventList)
        events.focus()
        events.select_event(3)
        await pilot.pause()
        await pilot.press("y")
        assert json.loads(copied[-1])["error"]["code"] == "integer_below_min_value"
        await pilot.press("Y")
        await pilot.pause()
        saved = json.loads((tmp_path / "rtinspect-event-3.json").read_text())
        assert saved["type"] == "error"


async def test_step_and_seek_in_a_recording(broken_log: Path) -> None:
    app = make_app(broken_log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        events = app.screen.query_one(EventList)
        events.focus()
        assert events.selected_event == 0  # a recording opens at its start
        await pilot.press("full_stop", "full_stop")
        assert events.selected_event == 2
        await pilot.press("comma")
        assert events.selected_event == 1
        # seek to the middle of the session on the timeline
        app.screen._seek_to_time(0.35)
        await pilot.pause()
        assert abs(float(app.model.index.times[events.selected_event]) - 0.35) < 0.011
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert float(app.model.index.times[events.selected_event]) > 0.35
        timeline = app.screen.query_one("Timeline")
        assert "✕" in plain(timeline)  # errors marked on the timeline


async def test_save_as_and_open_another_log(broken_log: Path, tmp_path: Path) -> None:
    app = make_app(broken_log)
    copy = tmp_path / "copy.jsonl"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("S")
        await pilot.pause()
        prompt = app.screen
        prompt.query_one("Input").value = str(copy)
        await pilot.press("enter")
        await settle(app, pilot)
        with LogReader.open(copy) as reader:
            assert len(reader) == len(app.model.index)
        healthy = ROOT / "recordings" / "healthy-ga.jsonl"
        if not healthy.exists():
            pytest.skip("recordings/healthy-ga.jsonl not present")
        app.open_log(healthy)
        await settle(app, pilot)
        assert app.model.label == "healthy-ga.jsonl"
        assert not [f for f in app.model.findings if f.severity == "error"]


async def test_audio_picker_lists_audio_only(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "a.wav").write_bytes(b"RIFF")
    (tmp_path / "recordings" / "notes.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    picked: list[StreamChoice | None] = []
    app = make_app(write_log(tmp_path / "s.jsonl", broken_session()))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(AudioPicker(), picked.append)
        await pilot.pause(0.5)
        tree = app.screen.query_one("#audio-tree")
        names = [str(node.label) for node in tree.root.children]
        assert names == ["a.wav"]
        app.screen.query_one("#audio-path").value = str(tmp_path / "recordings" / "a.wav")
        app.screen.query_one("#audio-path").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert picked == [StreamChoice(tmp_path / "recordings" / "a.wav", resample=True)]


async def test_playback_disabled_with_reason(broken_log: Path, monkeypatch) -> None:
    monkeypatch.setattr(actions, "_AUDIO_STATUS", (False, "no audio devices found"))
    app = make_app(broken_log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.screen.check_action("play_audio", ()) is True  # the key says why (test_vad_play)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Play the item's recorded audio (unavailable: no audio devices found)" in titles
        app.screen.action_play_audio()
        await pilot.pause()
        assert any("no audio devices found" in str(n.message) for n in app._notifications)


def test_collect_audio_of_an_item(broken_log: Path) -> None:
    from rtinspect.inspector.playback import collect_audio

    model, _ = open_model(broken_log)
    label, pcm = collect_audio(model, 45)  # an output audio delta of item_2
    assert "item_2" in label and len(pcm) == 5 * 4800
    label, pcm = collect_audio(model, 36)  # the committed event of the user item
    assert "input audio" in label and len(pcm) == 30 * 1920
