"""Connections to a Realtime endpoint: where to connect (``Target``) and the tapped client."""

from __future__ import annotations

from rtinspect.transport.client import META_RAW_FRAME, RealtimeClient, TransportError
from rtinspect.transport.target import Target, resolve_target

__all__ = ["META_RAW_FRAME", "RealtimeClient", "Target", "TransportError", "resolve_target"]
