"""The proxy: put rtinspect between a user's own app and the Realtime API.

``ProxyServer`` (``rtinspect.proxy.server``) accepts app connections on loopback, opens the same
path upstream, forwards every frame unchanged and taps each into a per-connection ``EventTap``.
Views subscribe with ``ProxyServer.subscribe(callback)`` and get each ``ProxySession`` before
its first event (attach sinks to ``session.tap``; ``session.closed`` is an ``asyncio.Event``).

TUI hook: ``rtinspect proxy`` without ``--headless`` calls ``rtinspect.tui.proxy.run_proxy_tui(server)``
(a not-yet-started ``ProxyServer``; start it on the app's loop, return an exit code) when that
function exists, and runs headless with a one-line notice otherwise.
"""

from __future__ import annotations

from rtinspect.proxy.server import ProxyServer, ProxySession
from rtinspect.proxy.upstream import DEFAULT_UPSTREAM

__all__ = ["DEFAULT_UPSTREAM", "ProxyServer", "ProxySession"]
