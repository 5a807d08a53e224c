"""Capture sessions of apps rtinspect cannot sit in front of.

- ``collector.Collector``: a loopback WebSocket server that turns frames seen elsewhere into proxy-style
  sessions (the same ``SessionHub``, recorder, doctor and TUI as ``rtinspect proxy``);
- ``mitm/rtinspect_addon.py``: a mitmproxy addon (runs in mitmproxy's own Python) that streams every
  Realtime WebSocket flow to the collector (``rtinspect capture``);
- ``page.js``: a script for a web page that forwards its ``oai-events`` WebRTC data channels
  (``rtinspect collect``);
- ``mitmdump.Mitmdump``: runs mitmdump with the addon beside the collector.

Sideband watching of WebRTC/SIP calls (``?call_id=``) needs none of this: it is a live connection
(``rtinspect --call-id``).
"""

from __future__ import annotations

from pathlib import Path

from rtinspect.capture.collector import DEFAULT_PAGE_ORIGINS, DEFAULT_PORT, Collector

ADDON_PATH = Path(__file__).with_name("mitm") / "rtinspect_addon.py"

__all__ = ["ADDON_PATH", "DEFAULT_PAGE_ORIGINS", "DEFAULT_PORT", "Collector"]
