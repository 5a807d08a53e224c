"""The TUI never shows a traceback: ``y`` over a damaged line says so and the app lives on; an
internal error exits 70 with one line naming a details file (scrubbed, no local variables)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from sessions import broken_session, write_log  # noqa: E402

from rtinspect.inspector.loader import open_model  # noqa: E402
from rtinspect.tui.app import RtInspectApp  # noqa: E402
from rtinspect.tui.widgets.event_list import EventList  # noqa: E402

DEEP = b"[" * 1500 + b"]" * 1500


@pytest.mark.parametrize(
    "event",
    [
        b'{"type":"x","v":"\xff\xfe bad utf-8"}',
        b'{"type":"x","v":' + DEEP + b"}",
    ],
    ids=["bad-utf8", "nesting-1500"],
)
async def test_copy_over_a_damaged_line_is_a_notice_not_a_crash(tmp_path: Path, event: bytes) -> None:
    path = write_log(tmp_path / "d.jsonl", broken_session())
    with path.open("ab") as f:
        f.write(b'{"t":99.0,"dir":"server","type":"x","event":' + event + b"}\n")
    model, reader = open_model(path)
    app = RtInspectApp(model, reader=reader, endpoint=str(path))
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        events = app.screen.query_one(EventList)
        events.focus()
        last = len(model.index) - 1
        events.select_event(last)
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        notes = [n.message for n in app._notifications]
        assert copied == [] and any(f"cannot copy event #{last}" in m for m in notes), notes


def test_internal_error_is_one_line_exit_70_and_a_scrubbed_details_file(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        from textual.app import App
        from rtinspect.tui.crash import run_app

        class Boom(App):
            def on_mount(self) -> None:
                secret = "sk-canaryCRASH0123456789abcdef"
                raise RuntimeError(f"boom with {secret}")

        raise SystemExit(run_app(Boom(), headless=True))
        """
    )
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    env.pop("RTINSPECT_DEBUG", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 70, done.stderr
    err = done.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    assert err.startswith("rtinspect: internal error: RuntimeError: boom with [redacted] (details: ")
    details = Path(err.rsplit("details: ", 1)[1].rstrip(")"))
    assert details.is_file() and details.is_relative_to(tmp_path / "state")
    text = details.read_text()
    assert "RuntimeError" in text and "on_mount" in text and "canaryCRASH" not in text


NESTED = 990  # orjson parses up to 1024 levels: an event this deep is a readable line


@pytest.mark.parametrize("opener", [b'{"a":', b"["], ids=["objects", "arrays"])
async def test_a_deeply_nested_event_renders_capped_and_at_once(tmp_path: Path, opener: bytes) -> None:
    """Selecting an event nested 990 deep shows it within a second, in the JSON text and in the tree,
    with the levels below the cap said in place; the app then still answers keys at once. Seconds are
    the CPU time of the thread the app runs on (the test's), so a loaded machine does not fail it; a
    hang would still show as wall-clock time, bounded at 5 s."""
    import time

    from textual.widgets import TextArea

    from rtinspect.shown import MAX_DEPTH
    from rtinspect.tui.widgets.event_tree import EventTree

    closer = b"}" if opener.startswith(b"{") else b"]"
    path = write_log(tmp_path / "deep.jsonl", broken_session())
    with path.open("ab") as f:
        deep = opener * NESTED + b"1" * (opener.startswith(b"{")) + closer * NESTED
        f.write(b'{"t":99.0,"dir":"server","type":"x.deep","event":{"type":"x.deep","v":' + deep + b"}}\n")
    model, reader = open_model(path)
    app = RtInspectApp(model, reader=reader, endpoint=str(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        events = app.screen.query_one(EventList)
        events.focus()
        last = len(model.index) - 1
        started, wall = time.thread_time(), time.monotonic()
        events.select_event(last)
        await pilot.pause()
        text = app.screen.query_one("#detail-json", TextArea).text
        assert time.thread_time() - started < 1.0 and time.monotonic() - wall < 5.0
        hidden = NESTED - (MAX_DEPTH - 1)  # the event object is the first level, "v" the second
        assert f"… {hidden} more levels" in text, text[-300:]
        assert text.count("\n") < 4 * MAX_DEPTH
        started, wall = time.thread_time(), time.monotonic()
        await pilot.press("z")  # the foldable tree
        await pilot.pause()
        tree = app.screen.query_one(EventTree)
        assert time.thread_time() - started < 1.0 and time.monotonic() - wall < 5.0
        assert tree.nodes_built <= MAX_DEPTH + 1
        labels = []
        node = tree.root
        while node.children:
            node = node.children[-1]
            labels.append(str(node.label))
        assert f"… {hidden} more levels" in labels[-1], labels[-3:]
        await pilot.press("z")
        started, wall = time.thread_time(), time.monotonic()
        events.focus()
        await pilot.press("up")
        await pilot.pause()
        assert events.selected_event == last - 1
        assert time.thread_time() - started < 1.0 and time.monotonic() - wall < 5.0
        assert app.is_running and app.return_code is None
