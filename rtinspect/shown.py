"""How much of one value a view shows: depth and size caps with a visible elision.

An event may nest as deep as the JSON parser allows (orjson: 1024 levels) or hold a huge container;
pretty-printing such a value whole (indented JSON, a Rich tree, a Markdown table cell, a doctor's
"asked X, the server holds Y") costs time and screen space that grow with the square of the depth,
and hung the TUI's detail view on an event nested 990 deep. Every view that renders an event's value
takes it through ``capped`` first: what lies below ``MAX_DEPTH`` becomes one string saying how many
levels were left out (``"… 958 more levels"``), and a container shows its first ``MAX_ITEMS`` entries
and says how many more there are. The value keeps its JSON shape, so the views print it as before.
Strings are left whole: cut before the secrets are scrubbed, a key could be cut in two and escape the
scrubber, so the views cut them after (``elide_audio``, the tree's ``value_text``). Capping comes first:
the scrubber and the audio summary recurse, and a value 1000 deep exceeds Python's recursion limit.
"""

from __future__ import annotations

import sys
from typing import Any

# Levels of nesting an event keeps inside rtinspect, however it arrives (a socket, a proxied frame, a log
# line). The JSON parser takes up to 1024, but everything that handles an event (the scrubber, the fold,
# the doctor, exports) walks it recursively and Python's recursion limit is 1000: one such frame crashed
# the recorder, one such line doctor/export/replay. No Realtime event nests near 100.
EVENT_DEPTH = 100
MAX_DEPTH = 32  # containers shown one inside another; Realtime events nest about 8 deep, tool schemas ~15
MAX_ITEMS = 1_000  # entries of one object or array
MORE_KEY = "…"  # the key under which an object says how many keys were left out


def depth(value: Any) -> int:
    """How many containers deep ``value`` nests (a scalar: 0, ``[]``: 1, ``[[1]]``: 2), without recursion;
    a note left by an earlier cap (``"… 890 more levels"``) counts as the levels it stands for, so a
    value capped when read and again when shown still says how deep it really was."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            deepest = max(deepest, level + _noted_levels(item))
            continue
        level += 1
        deepest = max(deepest, level)
        stack.extend((child, level) for child in children if isinstance(child, dict | list | tuple | str))
    return deepest


def _noted_levels(item: Any) -> int:
    if isinstance(item, str) and item.startswith("… ") and item.endswith((" more levels", " more level")):
        number = item[2:].split(" ", 1)[0]
        if number.isdigit():
            return int(number)
    return 0


def levels_note(levels: int) -> str:
    return f"… {levels} more level{'s' if levels != 1 else ''}"


def capped(value: Any, max_depth: int = MAX_DEPTH, max_items: int = MAX_ITEMS) -> Any:
    """``value`` itself when it is within the caps, else a copy cut to them, each cut said in place."""
    if _within(value, max_depth, max_items):
        return value
    return _cap(value, max_depth, max_items)


def within_event_depth(event: dict[str, Any]) -> dict[str, Any]:
    """``event``, or a copy whose levels below ``EVENT_DEPTH`` are one note ("… 890 more levels")."""
    return capped(event, EVENT_DEPTH, max_items=sys.maxsize)  # type: ignore[no-any-return]


def _within(value: Any, max_depth: int, max_items: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if level >= max_depth or len(item) > max_items:
            return False
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list | tuple))
    return True


def _cap(value: Any, levels_left: int, max_items: int) -> Any:
    if not isinstance(value, dict | list | tuple):
        return value
    if levels_left <= 0:
        return levels_note(depth(value))
    if isinstance(value, dict):
        out = {k: _cap(v, levels_left - 1, max_items) for k, v in list(value.items())[:max_items]}
        if len(value) > max_items:
            out[MORE_KEY] = f"{len(value) - max_items:,} more keys"
        return out
    items = [_cap(v, levels_left - 1, max_items) for v in value[:max_items]]
    if len(value) > max_items:
        items.append(f"… {len(value) - max_items:,} more items")
    return items
