"""Keys of the compare view: the first divergence is selected on open, n/N walk the differing
rows, d comes back, ? shows the compare keys."""

from __future__ import annotations

from sessions import plain
from test_snapshots import compare_app
from textual.widgets import DataTable


async def test_keys_walk_the_differences() -> None:
    app = compare_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.query_one(DataTable)
        start = table.cursor_row
        assert screen.rows[start] is screen.cmp.divergence_pair()
        assert "session.update" in plain(screen.query_one("#picked")) and "16000" in plain(
            screen.query_one("#picked")
        )
        await pilot.press("n")
        pair = screen.rows[table.cursor_row]
        assert table.cursor_row > start and pair.status != "same"
        assert (pair.left.type, pair.right.type) == ("error", "session.updated")
        await pilot.press("N")
        assert table.cursor_row == start
        await pilot.press("down", "down", "d")
        assert table.cursor_row == start
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
        assert "first divergence" in app.screen.query_one("Markdown").source.lower()
