"""Screens of the proxy mode: the wait screen before any app connects, and the main screen of
one proxied connection (the live main screen plus a banner with the URL and the session switcher).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from rtinspect.inspector.model import SessionModel
from rtinspect.tui.screens.actions import SENDING, LiveActions
from rtinspect.tui.screens.main import MainScreen
from rtinspect.tui.widgets.line import Line


def banner_text(app: Any, shown: Any = None) -> Content:
    """``sessions: 1 [2]✕  read-only…  ⇄ app → URL → upstream`` from the app's proxy state."""
    url = getattr(app, "app_url", "") or "starting…"
    proxy = getattr(app, "proxy", None)
    upstream = str(getattr(proxy, "upstream", "") or "")
    parts: list[str | tuple[str, str]] = []
    views = getattr(app, "views", [])
    if views:
        parts.append(("sessions:", "bold"))
        for view in views:
            label = f" [{view.id}]" if view is shown else f" {view.id}"
            parts.append((label + ("✕" if view.closed else ""), "bold $accent" if view is shown else ""))
        parts.append((" (^n next, ^l newest" + (", following)" if app.follow_newest else ")"), "$text-muted"))
    parts.append(("  read-only: your app owns the socket", "$warning"))
    parts += [("  ⇄ app at ", "bold"), (url, "bold $accent")]
    if upstream:
        parts.append(f" → {upstream}")
    return Content.assemble(*parts)


class ProxyWaitScreen(Screen[None]):
    """Before the first connection: where to point the app, and that the proxy is waiting."""

    DEFAULT_CSS = """
    ProxyWaitScreen #wait { width: auto; max-width: 100%; padding: 1 4; border: round $accent; }
    """

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static("", id="wait")
        yield Footer()

    def on_mount(self) -> None:
        self.update_banner()

    def on_screen_resume(self) -> None:
        self.update_banner()

    def update_banner(self) -> None:
        app: Any = self.app
        proxy = getattr(app, "proxy", None)
        url = getattr(app, "app_url", "") or "starting the proxy…"
        upstream = str(getattr(proxy, "upstream", "") or "")
        # a capture collector names itself and what the user must do in its own words
        title, lead, via = getattr(
            proxy, "wait_words", ("rtinspect proxy", "point your app at", "forwarding to")
        )
        self.query_one("#wait", Static).update(
            Content.assemble(
                (f"{title}\n\n", "bold"),
                f"{lead}\n  ",
                (url, "bold $accent"),
                *sdk_lines(url),
                f"\n{via}\n  {upstream}\n",
                *([f"\n{policy}\n"] if (policy := getattr(proxy, "key_policy", "")) else []),
                ("\nwaiting for your app to connect…", "$text-muted"),
                "\neach connection opens as a session here (ctrl+n cycles); watch-only: your app sends",
            )
        )


def sdk_lines(url: str) -> list[str | tuple[str, str]]:
    """How an app built on the OpenAI SDK is pointed at the proxy: the SDK derives its WebSocket
    URL from ``websocket_base_url`` (``OPENAI_BASE_URL`` alone would make it ``wss://`` to a plain
    ``ws://`` proxy), so say that line; a raw WebSocket app takes the URL above as is."""
    base, sep, _ = url.partition("/realtime")
    if not sep or not base.startswith(("ws://", "wss://")):
        return []  # a capture collector's own words already say what to do
    return ["\nopenai SDK:\n  ", (f'OpenAI(websocket_base_url="{base}")', "bold")]


class ProxyMainScreen(MainScreen):
    """The live main screen over one proxied connection, under a one-line proxy banner."""

    BINDINGS = [
        Binding("ctrl+n", "next_session", "Next session"),
        Binding("ctrl+l", "newest_session", "Newest", show=False),
        # the live keys that would send: not offered here, but pressing one says why
        *(
            Binding(b.key, "read_only", show=False)
            for b in LiveActions.LIVE_BINDINGS
            if isinstance(b, Binding) and b.action in SENDING
        ),
    ]

    DEFAULT_CSS = """
    ProxyMainScreen #proxy-banner { background: $boost; padding: 0 1; }
    """

    def __init__(self, model: SessionModel, view: Any) -> None:
        super().__init__(model)
        self.view = view
        self.banner = Line("", id="proxy-banner")

    def compose(self) -> ComposeResult:
        yield self.banner
        yield from super().compose()

    def on_mount(self) -> None:
        status = self.status_bar
        status.endpoint = self.view.endpoint  # type: ignore[attr-defined]
        path = self.view.session.record_path
        status.recording = str(path) if path is not None else None  # type: ignore[attr-defined]
        self.update_banner()

    def on_screen_resume(self) -> None:
        """Shown again after another session: catch up with what arrived meanwhile."""
        self.update_banner()
        if self._ready:
            self.refresh_areas({"all"})

    def update_banner(self) -> None:
        self.banner.update(banner_text(self.app, self.view))

    def action_read_only(self) -> None:
        self.notify(getattr(self.app, "read_only_reason", ""), severity="warning", timeout=3)

    def action_next_session(self) -> None:
        self.app.cycle_session(1)  # type: ignore[attr-defined]

    def action_newest_session(self) -> None:
        self.app.show_newest()  # type: ignore[attr-defined]
