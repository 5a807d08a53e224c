"""Pilot tests of the last issue-13 findings: toasts, the 16 kHz stream, the proxy's empty state,
the editor under bursts of keys, the filter worker, and the small ones (help, hints, playback)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sessions import broken_session, plain, settled, wait_until, write_log
from textual import events
from textual.widgets import Checkbox, Footer, Input, Markdown, TextArea
from textual.widgets._toast import Toast

from rtinspect.inspector.loader import open_model
from rtinspect.server import FakeTranscriber, ServerThread
from rtinspect.tui.app import RtInspectApp
from rtinspect.tui.commands import applicable
from rtinspect.tui.screens.editor import EditorScreen
from rtinspect.tui.screens.picker import AudioPicker
from rtinspect.tui.session import build_live
from rtinspect.tui.widgets.status import StatusBar


def make_app(tmp_path: Path) -> RtInspectApp:
    model, reader = open_model(write_log(tmp_path / "s.jsonl", broken_session()))
    return RtInspectApp(model, reader=reader, endpoint="s.jsonl")


def _overlap(a, b) -> bool:  # two Regions share a cell
    return bool(a.intersection(b).area)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
async def test_toasts_leave_the_status_bar_and_footer(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settled(pilot)
        app.clear_notifications()
        app.notify("a long warning that wraps onto a few lines " * 4, title="Live session", timeout=30)
        app.notify("a second toast", severity="error", timeout=30)
        for _ in range(50):  # the rack mounts its toasts a refresh or two later
            await pilot.pause(0.02)
            if len(app.screen.query(Toast)) == 2:
                break
        toasts = list(app.screen.query(Toast))
        assert len(toasts) == 2
        status = app.screen.query_one(StatusBar).region
        footer = app.screen.query_one(Footer).region
        assert status.area and footer.area
        for toast in toasts:
            r = toast.region
            assert r.area, "the toast is on screen"
            assert not _overlap(r, status) and not _overlap(r, footer), (r, status, footer)


# ---- 16 kHz files: the conversion is visible, and "as is" reproduces the mistake -----------------
ROOT = Path(__file__).resolve().parents[2]
WAV16 = ROOT / "recordings" / "weather_16k_mono.wav"


@pytest.fixture
def server():
    srv = ServerThread(transcriber=FakeTranscriber("what is the weather")).start()
    yield srv
    srv.stop()


def _source_rows(app) -> list[str]:
    """The event list's text of each ``rtinspect.audio.started`` row."""
    m = app.model
    return [m.summary(i) for i in range(len(m.index)) if m.type_of(i) == "rtinspect.audio.started"]


async def test_picker_toggle_streams_as_is_and_the_doctor_catches_it(server) -> None:
    """a, ctrl+t (resample off), Enter on weather_16k_mono.wav: the list says the 16 kHz samples went
    as is under 24 kHz, the toast says so, and the doctor's audio-rate-mismatch names it. Then the
    same file resampled says "16000 Hz → 24000 Hz (resampled)"."""
    app = build_live(server=server, no_record=True)
    toasts: list[str] = []  # every toast, kept: a loaded machine can outlast a toast's 4 s on screen
    shown = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        toasts.append(str(message))
        shown(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.model.index and app.model.type_of(len(app.model.index) - 1))
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AudioPicker))
        picker = app.screen
        assert picker.query_one("#resample", Checkbox).value is True
        await pilot.press("ctrl+t")
        box = picker.query_one("#resample", Checkbox)
        assert box.value is False and "OFF" in str(box.label)
        picker.query_one("#audio-path", Input).value = str(WAV16)
        picker.query_one("#audio-path", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: _source_rows(app))
        assert _source_rows(app) == [
            "weather_16k_mono.wav: 16000 Hz sent as is, declared 24000 Hz (NOT resampled)"
        ]
        await wait_until(
            pilot, lambda: app.controller.stream_task is not None and app.controller.stream_task.done()
        )
        await wait_until(pilot, lambda: any(f.code == "audio-rate-mismatch" for f in app.model.findings))
        assert any("NOT resampled" in t and t.startswith("streamed weather_16k_mono.wav") for t in toasts)
        app.screen.start_stream(WAV16, realtime=False)  # the default: resampled, and it says so
        await wait_until(pilot, lambda: len(_source_rows(app)) == 2)
        assert _source_rows(app)[1] == "weather_16k_mono.wav: 16000 Hz → 24000 Hz (resampled)"


def test_palette_offers_stream_as_is() -> None:
    titles = [c.title for c in applicable(live=True)]
    assert "Stream an audio file as is (no resample)" in titles
    assert "Stream an audio file as is (no resample)" not in [c.title for c in applicable(live=False)]


# ---- small ones: help, the editor's hint, P without a device ------------------------------------
async def test_recorded_help_mentions_compare(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = "\n".join(m.source for m in app.screen.query(Markdown))
        assert "--compare HEALTHY.jsonl" in text and "## Recorded log" in text


async def test_editor_hint_names_ctrl_e_where_it_applies(server) -> None:
    app = build_live(server=server, no_record=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "session.created" in _types(app))
        await pilot.press("s")  # a client event by hand: Ctrl+E is how one already sent comes back
        await wait_until(pilot, lambda: isinstance(app.screen, EditorScreen))
        assert "Ctrl+E" in plain(app.screen.query_one("#keys"))
        await pilot.press("escape")
        await pilot.press("u")  # the session editor: templates, no resend
        await wait_until(pilot, lambda: isinstance(app.screen, EditorScreen))
        keys = plain(app.screen.query_one("#keys"))
        assert "F2–F5" in keys and "Ctrl+E" not in keys


def _types(app) -> list[str]:
    return [app.model.type_of(i) for i in range(len(app.model.index))]


# ---- the editor under a burst of keys -------------------------------------------------------------
def _burst(app, keys: list[str]) -> None:
    """Keys as the terminal driver delivers a quick burst: posted back to back, nothing awaited."""
    for k in keys:
        app.post_message(events.Key(k, k if len(k) == 1 else None))


async def test_editor_keeps_a_burst_of_keys_in_order(server) -> None:
    """A backspace (a TextArea binding) in a burst used to run after the keys behind it, and a
    Ctrl+S right behind the last key validated the text before that key was in."""
    app = build_live(server=server, no_record=True)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_until(pilot, lambda: "session.created" in _types(app))
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, EditorScreen))
        area = app.screen.query_one("#code", TextArea)
        for _ in range(3):
            area.load_text("")
            await pilot.pause()
            _burst(app, [*'{"type": "response.creatx', "backspace", *'e"}', "left", "backspace", "right"])
            await wait_until(pilot, lambda: area.text.endswith("}") or len(area.text) > 28)
            await pilot.pause(0.1)
            assert area.text == '{"type": "response.create}'  # the quote before } went, in order
        area.load_text("")
        await pilot.pause()
        n = len(app.model.index)
        _burst(app, [*'{"type": "input_audio_buffer.clear"}', "ctrl+s"])
        await wait_until(pilot, lambda: "input_audio_buffer.cleared" in _types(app)[n:])
        assert not [m for m in app._notifications if "not JSON" in m.message]


# ---- the session comparison at 120 columns -------------------------------------------------------
async def test_session_comparison_reads_at_120_columns(server) -> None:
    """At 120x36 the panels run the whole width under the list and the detail: held and asked
    values are not cut (the panel was ~46 columns and showed ``sess_K7Yb…``)."""
    app = build_live(server=server, no_record=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "session.created" in _types(app))
        transcription = {"transcription": {"model": "gpt-4o-mini-transcribe"}}
        await app.controller.send(
            {"type": "session.update", "session": {"type": "realtime", "audio": {"input": transcription}}}
        )
        await wait_until(pilot, lambda: "session.updated" in _types(app))
        await pilot.pause(0.2)
        panel = app.screen.query_one("#session")
        assert panel.size.width >= 110
        table = app.screen.query_one("#session-table")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        model_row = next(r for r in rows if r[1].strip() == "model" and "transcribe" in r[2])
        assert model_row[2] == model_row[3] == "gpt-4o-mini-transcribe"  # held, asked: whole
        session_id = next(r for r in rows if r[1].strip() == "id")[2]
        assert session_id.startswith("sess_") and not session_id.endswith("…")


async def test_t_cycles_the_panel_tabs_with_the_focus_in_them(tmp_path: Path) -> None:
    """t with the focus in the Findings table went nowhere: the focus kept its tab shown."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        tabs = app.screen.query_one("TabbedContent")
        tabs.active = "tab-findings"
        await pilot.pause()
        app.screen.focus_pane("panels")
        await settled(pilot)
        seen = []
        for _ in range(3):
            await pilot.press("t")
            await settled(pilot)
            seen.append(tabs.active)
        assert seen == ["tab-session", "tab-buffer", "tab-findings"]


async def test_search_wraps_round_the_end(tmp_path: Path) -> None:
    """/ from the last event found nothing though the match sat above the cursor (the walk at
    80x24: the transcript search said "no match")."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settled(pilot)
        await pilot.press("end", "slash", *"speech_started")
        await settled(pilot)
        events_ = app.screen.query_one("#events")
        assert app.model.type_of(events_.selected_event) == "input_audio_buffer.speech_started"
        assert any("wrapped" in n.message for n in app._notifications)
