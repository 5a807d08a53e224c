"""Pilot tests over a recorded broken session: the findings panel shows the cause, the list,
detail and panels show what happened, and navigation (errors, filter, search, runs) works."""

from __future__ import annotations

from pathlib import Path

import pytest
from sessions import plain, settled
from textual.widgets import DataTable, TextArea

from rtinspect.errors import UserError
from rtinspect.inspector.loader import open_model
from rtinspect.tui.app import RtInspectApp
from rtinspect.tui.widgets.event_list import EventList


def make_app(path: Path) -> RtInspectApp:
    model, reader = open_model(path)
    return RtInspectApp(model, reader=reader, endpoint=str(path))


async def settle(app: RtInspectApp, pilot) -> None:
    await settled(pilot)


async def test_findings_panel_shows_the_cause_and_jumps_to_it(broken_log: Path) -> None:
    app = make_app(broken_log)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        # the analysis found errors, so the findings tab was brought forward
        assert app.screen.query_one("TabbedContent").active == "tab-findings"
        table = app.screen.query_one("#findings-table", DataTable)
        codes = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert "session-value-out-of-range" in codes
        assert "commit-under-server-vad" in codes
        # select the first finding: j jumps to the first event it points at (Enter applies its fix)
        row = codes.index("session-value-out-of-range")
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("j")
        await pilot.pause()
        events = app.screen.query_one(EventList)
        assert events.selected_event == 2
        assert app.screen.query_one("#detail-json", TextArea).text.count('"rate": 16000') == 1


async def test_next_error_and_audio_elided_in_detail(broken_log: Path) -> None:
    app = make_app(broken_log)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        events = app.screen.query_one(EventList)
        events.focus()
        await pilot.press("home", "e")
        await pilot.pause()
        # the rejected session.update is flagged by an error finding, so it counts as an error stop
        assert events.selected_event == 2 and app.model.flagged[2] == "error"
        await pilot.press("e")
        await pilot.pause()
        assert app.model.type_of(events.selected_event) == "error"
        await pilot.press("E")
        await pilot.pause()
        assert events.selected_event == 2
        # the audio run is one folded row; enter expands it and the detail shows an audio label
        run_row = next(r for r in range(app.model.row_count) if app.model.run_label(r))
        assert app.model.run_label(run_row).startswith("30 x input_audio_buffer.append, 1.20 s")
        events.cursor = run_row
        await pilot.press("enter")
        await pilot.pause()
        assert app.model.run_label(run_row) is None
        text = app.screen.query_one("#detail-json", TextArea).text
        assert "<audio 40.0 ms, 1920 bytes, -23 dBFS>" in text
        assert len(text) < 500  # no base64 wall


async def test_filter_and_search(broken_log: Path) -> None:
    app = make_app(broken_log)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await pilot.press(*"speech")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.model.row_count == 2
        assert {app.model.type_of(app.model.row_event(r)) for r in range(2)} == {
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
        }
        await pilot.press("f", "ctrl+u", "enter")  # clear the filter
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("2")  # hide server events
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert all(int(app.model.index.dirs[app.model.row_event(r)]) != 1 for r in range(app.model.row_count))
        await pilot.press("2", "home", "slash")
        await pilot.press(*"You said")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        ev = app.screen.query_one(EventList).selected_event
        assert app.model.type_of(ev) == "response.output_audio_transcript.done"


async def test_session_and_buffer_panels(broken_log: Path) -> None:
    app = make_app(broken_log)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        app.screen.query_one("TabbedContent").active = "tab-session"
        await pilot.pause()
        table = app.screen.query_one("#session-table", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        # rows are grouped under their parent object; differences are marked ≠ with held, asked
        diff = {r[1].strip(): r[2:] for r in rows if r[0] == "≠"}
        assert diff["rate"] == ["24000", "16000"]
        assert diff["model"] == ["—", "whisper-1"]  # transcription asked, absent from the session
        assert ["", "audio.input.transcription.", "", ""] in rows
        head = plain(app.screen.query_one("#session-head"))
        assert "REJECTED" in head
        assert "≠ audio.input.format.rate: asked 16000, held 24000" in head
        app.screen.query_one("TabbedContent").active = "tab-buffer"
        await pilot.pause()
        text = plain(app.screen.query_one("#buffer-lists"))
        assert "not_requested" in text and "resp_1" in text


def test_bad_file_is_one_line_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("this is not a log\n")
    with pytest.raises(UserError) as err:
        open_model(bad)
    assert "\n" not in str(err.value)
    with pytest.raises(UserError):
        open_model(tmp_path / "missing.jsonl")


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("ga-rate-16000.jsonl", "session-value-out-of-range"),
        ("ga-transcription-enabled.jsonl", "session-unknown-parameter"),
        ("ga-commit-under-vad.jsonl", "commit-under-server-vad"),
    ],
)
async def test_sample_broken_recordings_show_their_cause(name: str, code: str) -> None:
    """The recordings/ sessions a new user opens: the findings tab comes forward with the cause."""
    path = ROOT / "recordings" / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    app = make_app(path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        assert app.screen.query_one("TabbedContent").active == "tab-findings"
        table = app.screen.query_one("#findings-table", DataTable)
        assert code in [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
