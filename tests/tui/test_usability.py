"""Pilot tests of the issue-13 findings, one per finding (tried as a new user in tmux first):
search and filter bars, seeking past folded runs, wrapping error jumps, one pane at 80 columns,
the footer's ? and q, the palette's sending entries, JSON highlighting."""

from __future__ import annotations

import json
from pathlib import Path

from sessions import broken_session, settled, tone_b64, write_log
from textual.widgets import Input, TextArea

from rtinspect.inspector.loader import open_model
from rtinspect.inspector.model import SessionModel
from rtinspect.tap import Tapped
from rtinspect.tui.app import RtInspectApp
from rtinspect.tui.commands import COMMANDS
from rtinspect.tui.widgets.event_list import EventList


def make_app(tmp_path: Path, recs: list[Tapped] | None = None) -> RtInspectApp:
    model, reader = open_model(write_log(tmp_path / "s.jsonl", recs or broken_session()))
    return RtInspectApp(model, reader=reader, endpoint="s.jsonl")


async def test_search_enter_gives_the_keys_back_to_the_list(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        await pilot.press("slash", *"error", "enter")
        await settled(pilot)
        bar = app.screen.query_one("#search", Input)
        events = app.screen.query_one(EventList)
        assert events.has_focus and bar.display and bar.value == "error"  # the query stays visible
        second = events.selected_event  # typing found the first error; Enter went to the next
        assert app.model.type_of(second) == "error"
        await pilot.press("N")  # steps back to the previous match; does not type into the query
        await settled(pilot)
        assert bar.value == "error" and events.selected_event < second
        assert app.model.type_of(events.selected_event) == "error"


async def test_bars_are_tall_enough_to_see_what_you_type(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("f")
        await pilot.pause()
        bar = app.screen.query_one("#filter", Input)
        assert bar.outer_size.height == 3 and bar.size.height == 1  # a border round a whole text line


async def test_a_filter_with_no_match_says_so(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        await pilot.press("f", *"zzz-nothing", "enter")
        await settled(pilot)
        events = app.screen.query_one(EventList)
        assert app.model.row_count == 0
        assert "no event matches the filter: 0 of 48 shown" in events.render_line(0).text
        assert app.screen.query_one("#left").border_subtitle.startswith("0 of 48 shown")


async def test_seek_forward_passes_folded_runs(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        events = app.screen.query_one(EventList)
        run = next(r for r in range(app.model.row_count) if app.model.run_label(r))
        events.cursor = run  # the folded run of 30 appends
        await settled(pilot)
        seen = [events.cursor]
        for _ in range(6):
            await pilot.press("greater_than_sign")
            await settled(pilot)
            seen.append(events.cursor)
        assert seen[1] > seen[0]  # never stuck at the run
        assert all(b >= a for a, b in zip(seen, seen[1:], strict=False)) and seen[-1] > run + 3


async def test_next_error_wraps_and_says_so(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        errors = [int(e) for e in app.model.error_events()]
        events = app.screen.query_one(EventList)
        events.focus()
        for _ in errors:
            await pilot.press("e")
        await pilot.pause()
        assert events.selected_event == app.model.row_event(app.model.nearest_row(errors[-1]))
        await pilot.press("e")
        await pilot.pause()
        assert events.selected_event == errors[0]
        assert any("wrapped" in str(n.message) for n in app._notifications)
        await pilot.press("E")
        await pilot.pause()
        assert events.selected_event == app.model.row_event(app.model.nearest_row(errors[-1]))


async def test_one_pane_at_80_columns_and_v_goes_round(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = app.screen

        def shown() -> list[str]:
            return [p for p in ("left", "detail-pane", "panels") if screen.query_one(f"#{p}").display]

        assert shown() == ["left"] and screen.query_one("#left").size.height >= 18
        await pilot.press("v")
        await settled(pilot)
        assert shown() == ["detail-pane"] and screen.focused is not None
        assert screen.query_one("#detail-pane") in screen.focused.ancestors_with_self
        await pilot.press("v")
        await settled(pilot)
        assert shown() == ["panels"]
        await pilot.press("escape")
        await settled(pilot)
        assert shown() == ["left"] and screen.query_one(EventList).has_focus


async def test_footer_keeps_help_and_quit_at_80_columns(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        footer = app.screen.query_one("Footer")
        keys = [w for w in footer.query("FooterKey") if w.region.right <= 80 and w.region.width > 0]
        labels = " ".join(str(k.description) for k in keys)
        assert "Help" in labels and "Quit" in labels


def test_palette_entries_that_send_say_so() -> None:
    """The palette sorts by title: an entry that sends an event starts with 'Send' and names the
    event, so no unmatched query leaves 'Cancel the response' first under Enter."""
    sending = {"screen.commit", "screen.clear_buffer", "screen.response_create", "screen.response_cancel"}
    titles = {c.action: c.title for c in COMMANDS}
    assert sending <= set(titles)
    for action in sending:
        assert titles[action].startswith("Send ") and "." in titles[action]
    first = sorted(titles.values())[0]
    assert not first.startswith(("Cancel", "Send", "Clear"))


async def test_json_is_syntax_highlighted(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        area = app.screen.query_one("#detail-json", TextArea)
        assert area.language == "json" and area.is_syntax_aware
        assert '"type"' in area.text


def test_interleaved_audio_folds_into_one_row() -> None:
    """Appends interleaved with output deltas (the user talks over the answer) are one row."""
    model = SessionModel(live=True)
    recs = [Tapped(0.0, "server", {"type": "response.created", "response": {"id": "r"}})]
    for i in range(20):
        recs.append(Tapped(0.01 * i, "client", {"type": "input_audio_buffer.append", "audio": tone_b64(40)}))
        recs.append(
            Tapped(0.01 * i, "server", {"type": "response.output_audio.delta", "delta": tone_b64(100)})
        )
    model.ingest(recs)
    assert model.row_count == 2
    label = model.run_label(1)
    assert label is not None and label.startswith("40 audio: 20 x input_audio_buffer.append 0.80 s")
    assert "20 x response.output_audio.delta 2.00 s" in label


async def test_filter_language_in_the_bar(tmp_path: Path) -> None:
    """f + an expression: cheap terms apply as you type, 'N of M shown' in the list's border; a
    broken expression says why on the bar and leaves the list; text terms apply on Enter."""
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        left = app.screen.query_one("#left")
        await pilot.press("f", *"response.* and not *delta*")
        await settled(pilot)
        types = {app.model.type_of(app.model.row_event(r)) for r in range(app.model.row_count)}
        assert types == {"response.created", "response.output_audio_transcript.done", "response.done"}
        assert left.border_subtitle.startswith(f"{app.model.row_count} of 48 shown")
        await pilot.press("space", "left_parenthesis", "x")  # "... *delta* (x": never closed
        await settled(pilot)
        bar = app.screen.query_one("#filter", Input)
        assert bar.has_class("-error") and "never closed" in bar.border_title
        assert app.model.row_count == 3  # the list stays as it was
        await pilot.press("ctrl+u", *'"you said"')
        await settled(pilot)
        assert app.model.row_count == 15 and "Enter" in bar.border_title  # a text term waits for Enter
        await pilot.press("enter")
        await settled(pilot)
        assert [app.model.type_of(app.model.row_event(r)) for r in range(app.model.row_count)] == [
            "response.output_audio_transcript.done"
        ]
        assert app.screen.query_one(EventList).has_focus


async def test_help_documents_the_filter_language(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        await pilot.press("question_mark")
        await settled(pilot)
        text = app.screen.query_one("Markdown").source
        assert "Filter language" in text and "N of M shown" in text and "id:item_123" in text


async def test_enter_on_a_finding_saves_its_fix_beside_a_recorded_log(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        app.screen.query_one("TabbedContent").active = "tab-findings"
        app.screen.focus_pane("panels")
        await settled(pilot)
        codes = [f.code for f in app.model.findings]
        row = codes.index("session-value-out-of-range")
        table = app.screen.query_one("#findings-table")
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settled(pilot)
        saved = list(tmp_path.glob("s.fix-session-value-out-of-range*.json"))
        assert len(saved) == 1
        fixed = json.loads(saved[0].read_text())
        assert fixed["type"] == "session.update"
        assert fixed["session"]["audio"]["input"]["format"]["rate"] == 24000


async def test_a_resolved_finding_shows_by_which_event(tmp_path: Path) -> None:
    """The doctor marks a finding cured by a later event (resolved_by): the panel keeps it, marked
    '✓ fixed', its title saying which event resolved it, and the explanation how."""
    from dataclasses import replace

    app = make_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        fold = app.model.fold
        first = fold.findings[0]
        fold._findings = [replace(first, resolved_by=40, resolution="a later session.update fixed it")]
        fold._findings_dirty = False
        app.screen.query_one("TabbedContent").active = "tab-findings"
        app.screen.panels_changed()
        await settled(pilot)
        table = app.screen.query_one("#findings-table")
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0] == "✓ fixed" and row[1].endswith("(resolved by #40)")
        text = str(app.screen.query_one("#finding-text").render())
        assert "resolved by event #40: a later session.update fixed it" in text


def test_quitting_a_recorded_live_session_says_where(tmp_path: Path) -> None:
    from types import SimpleNamespace

    model, _ = open_model(write_log(tmp_path / "s.jsonl", broken_session()))
    app = RtInspectApp(model)
    assert app.exit_note is None  # a recorded log: nothing to say
    app.controller = SimpleNamespace(record_path=tmp_path / "live.jsonl")  # type: ignore[assignment]
    assert (
        app.exit_note
        == f"rtinspect: session recorded to {tmp_path / 'live.jsonl'} (rtinspect open {tmp_path / 'live.jsonl'})"
    )
