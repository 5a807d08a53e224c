"""Proxied sessions in the TUI: ``rtinspect proxy`` opens this app over a ``ProxyServer``.

Each app connection through the proxy becomes one ``ProxyView`` (its own SessionModel and queue)
shown on its own ``ProxyMainScreen`` (the live main screen plus a banner). The proxy's taps only
append to the view's queue; the app drains every queue on the same ~30 Hz timer as live mode and
refreshes only the screen on display (the others catch up when shown). Sending is disabled: the
user's app owns the socket, and an event injected behind its back would get answers it never
asked for.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from rtinspect.inspector.model import SessionModel
from rtinspect.tap import Tapped
from rtinspect.tui.app import FRAME_S, RtInspectApp
from rtinspect.tui.screens.proxy import ProxyMainScreen, ProxyWaitScreen

READ_ONLY_REASON = "proxy mode: your app owns the socket, so rtinspect only watches (sending is off)"
DEFAULT_MODEL = "gpt-realtime"


@dataclass
class ProxyView:
    """One proxied app connection as the TUI sees it."""

    session: Any  # rtinspect.proxy.ProxySession
    model: SessionModel
    queue: deque[Tapped] = field(default_factory=deque)
    screen: ProxyMainScreen | None = None

    @property
    def id(self) -> int:
        return int(self.session.id)

    @property
    def closed(self) -> bool:
        return bool(self.session.closed.is_set())

    @property
    def endpoint(self) -> str:
        return f"proxy #{self.id} {self.session.path} → {self.session.upstream}"

    def drain(self, limit: int = 50_000) -> list[Tapped]:
        q = self.queue
        return [q.popleft() for _ in range(min(len(q), limit))]


class ProxyApp(RtInspectApp):
    """The main screen over every connection of a proxy; follows the newest unless told otherwise."""

    def __init__(self, server: Any) -> None:
        super().__init__(SessionModel(live=True, label="waiting"), endpoint="proxy")
        self.proxy = server
        self.read_only_reason = READ_ONLY_REASON
        self.views: list[ProxyView] = []
        self.current: int | None = None
        self.follow_newest = True
        self.app_url = ""  # what the user points their app at, once listening
        self._pending: int | None = None  # a session to show once a modal closes
        self._unsubscribe = server.subscribe(self._on_session)

    def get_default_screen(self) -> Screen[Any]:
        return ProxyWaitScreen()

    def on_mount(self) -> None:
        self.start_proxy()
        self.set_interval(FRAME_S, self.drain)
        self.set_interval(1.0, self._tick)

    def screen_ready(self) -> None:
        """Each ProxyMainScreen sets its own status line on mount; nothing to start here."""

    # ---- the proxy -----------------------------------------------------------------------------
    @work(exclusive=True, group="proxy")
    async def start_proxy(self) -> None:
        from rtinspect.errors import UserError

        try:
            await self.proxy.start()
        except (OSError, UserError) as err:
            self.exit(return_code=2, message=f"rtinspect: {getattr(err, 'strerror', None) or err}")
            return
        # a capture collector says what the user must do instead (HTTPS_PROXY, a script tag)
        self.app_url = (
            getattr(self.proxy, "app_url", None) or f"{self.proxy.url}/v1/realtime?model={DEFAULT_MODEL}"
        )
        self.refresh_banner()
        # the key rule (lent only with --inject-key) is on the wait screen; refused browser origins
        # arrive as notices, like the headless banner's lines
        subscribe = getattr(self.proxy, "subscribe_notices", None)
        if subscribe is not None:
            subscribe(lambda line: self.notify(line, severity="warning", timeout=15))

    def _on_session(self, session: Any) -> None:
        """A new app connection (on the proxy's loop, which is ours): its view, queue and screen."""
        label = f"#{session.id} {session.path}"
        view = ProxyView(session, SessionModel(dialect=str(session.dialect), label=label, live=True))
        session.tap.add_sink(view.queue.append)
        view.screen = ProxyMainScreen(view.model, view)
        self.views.append(view)
        self.install_screen(view.screen, name=f"proxy-{view.id}")
        if self.follow_newest:
            self.call_later(self.show_session, len(self.views) - 1)
        else:
            self.refresh_banner()

    async def on_unmount(self) -> None:
        self._unsubscribe()
        with contextlib.suppress(Exception):  # quitting must not raise at the user
            await self.proxy.stop()

    # ---- frames ----------------------------------------------------------------------------------
    def drain(self) -> None:
        """One frame: fold every session's queue; refresh only the screen on display."""
        shown = self.main
        banner_dirty = False
        for view in self.views:
            batch = view.drain()
            if not batch:
                continue
            changed = view.model.ingest(batch)
            banner_dirty |= "connection" in changed
            if view.screen is shown and shown is not None and shown.is_current:
                shown.refresh_areas(changed)
                for screen in self.screen_stack:
                    on_events = getattr(screen, "on_model_events", None)
                    if on_events is not None:
                        on_events()
        if banner_dirty:
            self.refresh_banner()
        if self._pending is not None and isinstance(self.screen, (ProxyMainScreen, ProxyWaitScreen)):
            pending, self._pending = self._pending, None
            self.show_session(pending)

    def apply(self, batch: Iterable[Any]) -> None:
        """Not used in proxy mode: events arrive per session through ``drain``."""

    def refresh_banner(self) -> None:
        screen = self.screen
        update = getattr(screen, "update_banner", None)
        if update is not None:
            update()

    # ---- switching sessions ------------------------------------------------------------------------
    def show_session(self, index: int) -> None:
        if not self.views:
            return
        index = max(0, min(index, len(self.views) - 1))
        if not isinstance(self.screen, (ProxyMainScreen, ProxyWaitScreen)):
            self._pending = index  # a modal (help, palette) is open: switch when it closes
            return
        view = self.views[index]
        self.current = index
        self.model = view.model
        self.main = view.screen
        if self.screen is view.screen:
            self.refresh_banner()
            return
        if len(self.screen_stack) > 1:
            self.switch_screen(f"proxy-{view.id}")
        else:
            self.push_screen(f"proxy-{view.id}")

    def cycle_session(self, delta: int) -> None:
        if not self.views:
            self.notify("no app has connected yet", timeout=3)
            return
        current = self.current if self.current is not None else len(self.views) - 1
        index = (current + delta) % len(self.views)
        self.follow_newest = index == len(self.views) - 1
        self.show_session(index)

    def show_newest(self) -> None:
        self.follow_newest = True
        self.show_session(len(self.views) - 1)

    def action_help(self) -> None:
        from rtinspect.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(live=True, proxy=True))

    # ---- palette -----------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own entries, the registry's that only read, the proxy's; the sending ones are
        listed disabled with the reason (the footer does not offer them at all)."""
        from rtinspect.tui.commands import applicable
        from rtinspect.tui.screens.actions import PROXY_HIDDEN, SENDING

        yield from App.get_system_commands(self, screen)
        yield SystemCommand(
            "Next proxied session", "Show the next app connection", lambda: self.cycle_session(1)
        )
        yield SystemCommand("Newest proxied session", "Follow the newest app connection", self.show_newest)
        for cmd in applicable(live=True):
            name = cmd.action.removeprefix("screen.").partition("(")[0]
            if name in PROXY_HIDDEN:
                continue
            if name in SENDING:
                yield SystemCommand(
                    f"{cmd.title} (disabled: watch-only)",
                    READ_ONLY_REASON,
                    lambda: self.notify(READ_ONLY_REASON, severity="warning"),
                )
            else:
                yield SystemCommand(cmd.title, cmd.help, lambda a=cmd.action: self.run_action(a))


def run_proxy_tui(server: Any) -> int:
    """The ``rtinspect proxy`` TUI over a ``ProxyServer`` that is not started yet; the exit code."""
    from rtinspect.tui.crash import run_app

    return run_app(ProxyApp(server))  # an internal error: one line and a details file, no traceback
