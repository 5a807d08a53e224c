"""EditorScreen: write a ``session.update`` (or any client event) as JSON, validated as you type.

Prefilled from the effective session in the dialect's update shape; quick templates merge into
what is there; problems show at their line with the validator's did-you-mean; Ctrl+S sends, and
the server's answer (``session.updated`` or ``error``) appears beside the editor.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Label, Static, TextArea

from rtinspect.inspector.model import SessionModel
from rtinspect.inspector.summary import elide_audio

READ_ONLY_FIELDS = ("id", "object", "expires_at", "client_secret")
DEBOUNCE_S = 0.3

GA_TEMPLATES: dict[str, dict[str, Any]] = {
    "enable transcription": {
        "type": "realtime",
        "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}},
    },
    "server VAD": {
        "type": "realtime",
        "audio": {
            "input": {
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": 0.5,
                    "prefix_padding_ms": 300,
                    "silence_duration_ms": 500,
                    "create_response": True,
                    "interrupt_response": True,
                }
            }
        },
    },
    "push to talk": {"type": "realtime", "audio": {"input": {"turn_detection": None}}},
    "text only": {"type": "realtime", "output_modalities": ["text"]},
}
BETA_TEMPLATES: dict[str, dict[str, Any]] = {
    "enable transcription": {"input_audio_transcription": {"model": "whisper-1"}},
    "server VAD": {
        "turn_detection": {
            "type": "server_vad",
            "threshold": 0.5,
            "prefix_padding_ms": 300,
            "silence_duration_ms": 500,
        }
    },
    "push to talk": {"turn_detection": None},
    "text only": {"modalities": ["text"]},
}


def deep_merge(base: Any, patch: Any) -> Any:
    """``patch`` laid over ``base``: dicts merge key by key, anything else (null too) replaces."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = deep_merge(base.get(k), v) if isinstance(v, dict) else copy.deepcopy(v)
        return out
    return copy.deepcopy(patch)


def line_of(text: str, path: str) -> int:
    """Best-effort 0-based line of a dotted JSON path in pretty-printed text (walks key by key)."""
    lines = text.splitlines()
    line = 0
    for seg in [s for s in path.split(".") if s and not s.isdigit()]:
        needle = f'"{seg}"'
        for j in range(line, len(lines)):
            if needle in lines[j]:
                line = j
                break
    return line


def session_prefill(model: SessionModel) -> dict[str, Any]:
    """The effective session as a ``session.update`` the validator accepts (read-only fields dropped)."""
    from rtinspect.protocol import Dialect

    dialect = Dialect(model.dialect)
    effective = copy.deepcopy(model.state.session.effective)
    if not effective:
        try:
            from rtinspect.protocol.session import default_session

            effective = default_session(dialect)
        except Exception:  # noqa: BLE001
            effective = {"type": "realtime"} if dialect is Dialect.GA else {}
    session = {k: v for k, v in effective.items() if k not in READ_ONLY_FIELDS}
    event = {"type": "session.update", "session": session}
    problems = _validate(event, model.dialect)
    for _ in range(6):  # drop what the server reports but does not accept back (e.g. read-only fields)
        drop = [
            p.path for p in problems if p.code in ("unknown_parameter",) and p.path.startswith("session.")
        ]
        if not drop:
            break
        for path in drop:
            _delete(event, path)
        problems = _validate(event, model.dialect)
    return event


def _delete(obj: dict[str, Any], path: str) -> None:
    parts = path.split(".")
    for p in parts[:-1]:
        nxt = obj.get(p) if isinstance(obj, dict) else None
        if not isinstance(nxt, dict):
            return
        obj = nxt
    obj.pop(parts[-1], None)


def _validate(event: Any, dialect: str) -> list[Any]:
    from rtinspect.protocol import Dialect
    from rtinspect.protocol.validate import validate_client_event

    try:
        return list(validate_client_event(event, Dialect(dialect)))
    except Exception:  # noqa: BLE001 - a validator bug must not cost the user their edit
        return []


class OrderedTextArea(TextArea):
    """A TextArea whose editing keys take effect in the order they were typed.

    Textual runs a focused widget's own (non-priority) bindings — backspace, delete, arrows,
    ctrl+w, select all — only after the key event has bubbled up to the app, a message queue per
    hop, while the printable keys behind it are inserted at once by the TextArea itself. In a quick
    burst (tmux send-keys, a fast typist, a paste-like flurry) a backspace then lands after the next
    characters: ``creatx⌫e"}`` became ``creatxe"`` (the ``}`` deleted, the ``x`` kept). Running
    those bindings here, where the keys arrive, keeps them in order
    (tests/tui/test_tui_findings.py::test_editor_keeps_a_burst_of_keys_in_order)."""

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return
        await super()._on_key(event)


class EditorScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", priority=True),
        Binding("escape", "dismiss", "Close", priority=True),
        Binding("f2", "template('enable transcription')", "Transcription"),
        Binding("f3", "template('server VAD')", "Server VAD"),
        Binding("f4", "template('push to talk')", "Push to talk"),
        Binding("f5", "template('text only')", "Text only"),
    ]
    DEFAULT_CSS = """
    EditorScreen { align: center middle; }
    EditorScreen > Vertical#frame { width: 96%; height: 92%; border: round $accent; background: $surface; }
    EditorScreen #title { padding: 0 1; text-style: bold; }
    EditorScreen #body { height: 1fr; }
    EditorScreen #code { width: 3fr; height: 1fr; }
    EditorScreen #side { width: 2fr; height: 1fr; padding: 0 1; }
    EditorScreen #templates { height: 2; layout: grid; grid-size: 2 2; grid-rows: 1; grid-gutter: 0 1; }
    EditorScreen #templates Button { width: 100%; }
    EditorScreen #problems { height: auto; max-height: 12; }
    EditorScreen #answer { height: 1fr; }
    EditorScreen #keys { color: $text-muted; padding: 0 1; }
    """

    def __init__(
        self,
        model: SessionModel,
        controller: Any,
        *,
        mode: str = "session",
        initial: dict[str, Any] | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.controller = controller
        self.mode = mode  # session | event | resend (``initial`` is the event to send again)
        self.initial = initial
        self.title_text = title
        self.problems: list[Any] = []
        self.parse_error: str | None = None
        self._timer: Timer | None = None
        self._sent_at: int | None = None
        self._sent_event_id: str | None = None
        self._armed: str | None = None  # text on which Ctrl+S warned; a second press sends it anyway

    @property
    def templates(self) -> dict[str, dict[str, Any]]:
        return BETA_TEMPLATES if self.model.dialect == "beta" else GA_TEMPLATES

    def compose(self) -> ComposeResult:
        if self.mode == "session" and self.initial is None:
            initial = session_prefill(self.model)
            title = f"session.update ({self.model.dialect.upper()}) — prefilled from the effective session"
        else:
            initial = self.initial or {"type": "response.create"}
            title = self.title_text or f"send a client event ({self.model.dialect.upper()})"
        with Vertical(id="frame"):
            yield Label(title, id="title")
            with Horizontal(id="body"):
                yield OrderedTextArea.code_editor(json.dumps(initial, indent=2), language="json", id="code")
                with Vertical(id="side"):
                    if self.mode == "session":
                        with Vertical(id="templates"):
                            for i, name in enumerate(self.templates):
                                yield Button(f"F{i + 2} {name}", id=f"tpl-{i}", compact=True)
                    yield Static("", id="problems")
                    yield Label("server's answer", classes="dim")
                    yield TextArea("", language="json", read_only=True, id="answer")
            yield Static(self.keys_hint(), id="keys")

    def keys_hint(self) -> str:
        """The keys that apply in this mode: templates only for a session.update; Ctrl+E (edit and
        resend, from the list) where a client event is being written, so it is found."""
        if self.mode == "session":
            return "Ctrl+S send · Esc close · F2–F5 templates"
        if self.mode == "resend":
            return "Ctrl+S send this copy (edit it first if you like) · Esc close · the original stays in the list"
        return "Ctrl+S send · Esc close · to resend an event already sent: select it in the list, Ctrl+E"

    def on_mount(self) -> None:
        self.query_one("#code", TextArea).focus()
        self.validate_now()

    # ---- validation -------------------------------------------------------------------------------
    @on(TextArea.Changed, "#code")
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, self.validate_now)

    def parsed(self) -> Any:
        return json.loads(self.query_one("#code", TextArea).text)

    def validate_now(self) -> None:
        text = self.query_one("#code", TextArea).text
        out = Text()
        self.problems = []
        self.parse_error = None
        try:
            event = json.loads(text)
        except json.JSONDecodeError as err:
            self.parse_error = f"line {err.lineno}, column {err.colno}: {err.msg}"
            out.append(f"✕ not JSON: {self.parse_error}", style="bold red")
            self.query_one("#problems", Static).update(out)
            return
        self.problems = _validate(event, self.model.dialect)
        if not self.problems:
            out.append(f"✓ valid {event.get('type', '') if isinstance(event, dict) else ''}", style="green")
        for p in self.problems:
            line = line_of(text, p.path) + 1
            out.append(f"✕ L{line} ", style="bold red")
            out.append(f"{p.path or '(event)'}: ", style="bold")
            out.append(f"{p.message} [{p.code}]")
            if p.hint:
                out.append(f"\n   → {p.hint}", style="yellow")
            out.append("\n")
        self.query_one("#problems", Static).update(out)

    # ---- templates --------------------------------------------------------------------------------
    def action_template(self, name: str) -> None:
        """F2–F5, merged into the text once the keys typed before it are in (see ``action_send``)."""
        self.query_one("#code", TextArea).call_later(self._template_now, name)

    def _template_now(self, name: str) -> None:
        patch = self.templates.get(name)
        if patch is None or self.mode != "session":
            return
        area = self.query_one("#code", TextArea)
        try:
            event = json.loads(area.text)
        except json.JSONDecodeError:
            event = {"type": "session.update", "session": {}}
        if not isinstance(event, dict):
            event = {"type": "session.update", "session": {}}
        event["session"] = deep_merge(event.get("session") or {}, patch)
        area.load_text(json.dumps(event, indent=2))
        self.validate_now()
        self.notify(f"template: {name}", timeout=2)

    @on(Button.Pressed)
    def _button(self, message: Button.Pressed) -> None:
        if message.button.id and message.button.id.startswith("tpl-"):
            self.action_template(list(self.templates)[int(message.button.id[4:])])

    # ---- sending ----------------------------------------------------------------------------------
    def action_send(self) -> None:
        """Ctrl+S: a priority binding, so it runs as the key arrives, before the keys typed just
        ahead of it have reached the TextArea's queue; send from that queue, after them."""
        self.query_one("#code", TextArea).call_later(self._send_now)

    def _send_now(self) -> None:
        self.validate_now()
        if self.parse_error:
            self.notify(f"not JSON: {self.parse_error}", severity="error")
            return
        if self.problems and not self._armed:
            self._armed = True
            self.notify(
                f"{len(self.problems)} problem(s): press Ctrl+S again to send anyway", severity="warning"
            )
            return
        self._armed = False
        if self.controller is None:
            self.notify("not connected to a live session", severity="error")
            return
        event = self.parsed()
        self._sent_at = len(self.model.index)
        self._sent_event_id = event.get("event_id") if isinstance(event, dict) else None
        self.query_one("#answer", TextArea).load_text("// waiting for the server…")
        self.run_worker(self._send(event), group="editor-send")

    async def _send(self, event: Any) -> None:
        from rtinspect.errors import UserError

        try:
            if isinstance(event, dict):
                await self.controller.send(event)
            else:
                await self.controller.send_raw(json.dumps(event))
        except UserError as err:
            self.notify(str(err), severity="error")

    def on_model_events(self) -> None:
        """Called by the app after each frame of new events: show the server's answer to our send."""
        if self._sent_at is None:
            return
        idx = self.model.index
        for i in range(self._sent_at, len(idx)):
            rec = idx.rec(i)
            if rec.dir != "server":
                continue
            answer = (
                rec.type == "error"
                or (
                    self.mode == "session"
                    and rec.type in ("session.updated", "transcription_session.updated")
                )
                or self.mode == "resend"  # a resend shows the first thing the server said after it
            )
            if answer:
                self._sent_at = None
                shown = elide_audio(rec.event, rec.type)
                self.query_one("#answer", TextArea).load_text(
                    f"// #{i} {rec.type}\n" + json.dumps(shown, indent=2)
                )
                if rec.type == "error":
                    self.notify("the server answered with an error", severity="error")
                else:
                    self.notify(
                        "session updated" if self.mode == "session" else f"answered: {rec.type}", timeout=2
                    )
                return
        self._sent_at = len(idx)
