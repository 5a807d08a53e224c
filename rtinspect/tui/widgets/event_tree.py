"""EventTree: the selected event as a tree whose objects and arrays fold and unfold.

The JSON text view is best for reading and copying; a tree is best for a deep event (a session,
a response with its output items) where only one branch matters. The event arrives with audio
already summarised (``elide_audio``); strings are cut here too, and a huge container shows its
first items only, so a tree never costs more than ``MAX_NODES`` nodes; and it is ``capped`` (depth),
so an event nested 1000 deep is a 32-level tree ending in "… 958 more levels", not a hang.
Keys: ↑ ↓ move, space/enter fold or unfold, → unfold, ← fold (or go to the parent), shift+space all.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from rtinspect.shown import capped

MAX_NODES = 3_000  # nodes built for one event at most
MAX_ITEMS = 200  # children shown per object or array
MAX_STRING = 160  # characters of a string shown before it is cut
OPEN_DEPTH = 2  # levels unfolded when an event is shown


def value_text(value: Any) -> Text:
    """A leaf value as JSON, strings cut to ``MAX_STRING`` with their length said."""
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            shown = json.dumps(value[:MAX_STRING], ensure_ascii=False)[:-1]
            return Text(f'{shown}…" ({len(value):,} chars)')
        return Text(json.dumps(value, ensure_ascii=False))
    return Text(json.dumps(value), style="italic")


def container_text(value: dict[str, Any] | list[Any]) -> Text:
    if isinstance(value, dict):
        n = len(value)
        return Text(f"{{…}} {n} key{'s' if n != 1 else ''}", style="dim")
    n = len(value)
    return Text(f"[…] {n} item{'s' if n != 1 else ''}", style="dim")


class EventTree(Tree[Any]):
    """A read-only tree of one event (the node data is the value under it)."""

    BINDINGS = [
        Binding("right,l", "unfold", "Unfold", show=False),
        Binding("left,h", "fold", "Fold", show=False),
    ]

    DEFAULT_CSS = """
    EventTree { height: 1fr; padding: 0 1; background: $surface; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("event", **kwargs)
        self.show_root = True
        self.guide_depth = 3
        self.nodes_built = 0

    def show_event(self, type_: str, event: Any) -> None:
        """Rebuild the tree for one (already elided) event."""
        event = capped(event)
        self.clear()
        self.nodes_built = 0
        root = self.root
        root.set_label(Text.assemble((type_, "bold"), "  ", container_text(event)))
        root.data = event
        self._add_children(root, event, 1)
        root.expand()
        self.move_cursor(root)

    def _add_children(self, node: TreeNode[Any], value: Any, depth: int) -> None:
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        shown = items[:MAX_ITEMS]
        for key, child in shown:
            if self.nodes_built >= MAX_NODES:
                node.add_leaf(Text("… (event too big to show whole: use the JSON view)", style="dim"))
                return
            self.nodes_built += 1
            name = Text(str(key) if isinstance(value, dict) else f"[{key}]", style="bold")
            if isinstance(child, (dict, list)) and child:
                sub = node.add(Text.assemble(name, " ", container_text(child)), data=child)
                self._add_children(sub, child, depth + 1)
                if depth < OPEN_DEPTH:
                    sub.expand()
            else:
                node.add_leaf(Text.assemble(name, ": ", value_text(child)), data=child)
        if len(items) > len(shown):
            node.add_leaf(Text(f"… {len(items) - len(shown):,} more", style="dim"))

    def action_unfold(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.expand()

    def action_fold(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)
