"""SessionPanel: the effective session beside what the client last asked for, differences marked.

The classic bug it exposes: transcription asked in a wrong shape (``input_audio_transcription.enabled``)
or in a rejected update, so the server holds ``transcription: null`` and no transcript ever comes.
"""

from __future__ import annotations

import json
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from rtinspect.inspector.model import SessionModel


def flatten(value: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Leaves of a JSON object by dotted path (lists kept whole: they read better as one value)."""
    out = {} if out is None else out
    if isinstance(value, dict) and value:
        for k, v in value.items():
            flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    else:
        out[prefix] = value
    return out


def short(value: Any, n: int = 40) -> str:
    if value is None:
        return "null"
    s = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return s if len(s) <= n else s[: n - 1] + "…"


class SessionPanel(Vertical):
    DEFAULT_CSS = """
    SessionPanel > #session-head { height: auto; padding: 0 1; }
    SessionPanel > DataTable { height: 1fr; }
    """

    def __init__(self, model: SessionModel, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model

    def compose(self) -> ComposeResult:
        yield Static("no session yet", id="session-head")
        table: DataTable[Any] = DataTable(id="session-table", cursor_type="row", zebra_stripes=True)
        # fixed widths: DataTable does not measure Content cells, and stable columns read better live
        for label, width in (("", 1), ("field", 28), ("held", 22), ("asked", 22)):
            table.add_column(label, width=width)
        yield table

    def on_resize(self) -> None:
        self.refresh_panel()  # the value columns follow the panel's width

    def refresh_panel(self) -> None:
        state = self.model.view_state
        head = self.query_one("#session-head", Static)
        table = self.query_one("#session-table", DataTable)
        table.clear()
        sess = state.session
        effective = sess.effective or {}
        requested = sess.requested or {}
        try:
            diffs = {p: (a, h) for p, a, h in sess.requested_vs_effective()}
        except Exception:  # noqa: BLE001
            diffs = {}
        last = sess.last_update
        rejected = sess.last_update_rejected
        n_updates = len(sess.requested_history)
        h: list[str | tuple[str, str]] = []
        if sess.effective is None:
            h.append(("no session.created yet", "$text-muted"))
        else:
            h.append(f"held: {sess.effective_type} (#{sess.effective_pos})")
        if last is not None:
            h.append(f"  asked: {n_updates} update(s), last #{last.pos} ")
            if rejected:
                h.append((f"REJECTED (error #{last.error_pos})", "bold $error"))
            elif last.accepted_pos is not None:
                h.append((f"accepted (#{last.accepted_pos})", "$success"))
            else:
                h.append(("no answer yet", "$warning"))
        for path, (asked_v, held_v) in list(diffs.items())[:4]:
            h.append((f"\n≠ {path}: ", "bold $error"))
            h.append(f"asked {short(asked_v, 24)}, held {short(held_v, 24)}")
        if len(diffs) > 4:
            h.append((f"\n≠ … {len(diffs) - 4} more", "bold $error"))
        head.update(Content.assemble(*h))
        held = flatten(effective)
        asked = flatten(requested) if requested else {}
        paths = list(held)
        paths += [p for p in asked if p not in held]
        paths += [p for p in diffs if p not in held and p not in asked]
        # grouped like the JSON: a dim header per parent object, leaves indented under it
        names = [p.rpartition(".")[0] + "." for p in paths if "." in p] + [
            "  " + p.rpartition(".")[2] for p in paths
        ]
        cols = list(table.columns.values())
        cols[1].width = min(28, max([5, *map(len, names)]))
        # held and asked share what is left of the panel (cell padding: 2 a column, scrollbar: 2)
        value_w = max(10, ((self.size.width or 80) - 2 - 8 - 1 - cols[1].width) // 2)
        cols[2].width = cols[3].width = value_w
        parent_shown = ""
        for path in sorted(paths, key=lambda p: (p.count(".") > 0, p.rsplit(".", 1)[0] if "." in p else "")):
            parent, _, leaf = path.rpartition(".")
            if parent and parent != parent_shown:
                table.add_row(
                    Content(""), Content.styled(parent + ".", "$text-muted"), Content(""), Content("")
                )
                parent_shown = parent
            is_diff = path in diffs
            mark = Content.styled("≠", "bold $error") if is_diff else Content("=" if path in asked else "")
            asked_v = (
                short(asked[path], value_w)
                if path in asked
                else (short(diffs[path][0], value_w) if is_diff else "")
            )
            held_v = short(held.get(path), value_w) if path in held else "—"
            style = "bold $error" if is_diff else ""
            name = ("  " + leaf) if parent else path
            table.add_row(mark, Content.styled(name, style), Content(held_v), Content.styled(asked_v, style))
