"""The embedded Realtime server: a protocol-faithful local stand-in for the OpenAI Realtime API.

``EmbeddedServer`` runs on the caller's event loop; ``ServerThread`` runs it in a daemon thread for
synchronous callers. ``Transcriber``/``FakeTranscriber``/``PocketsphinxTranscriber`` are the transcription
backends.
"""

from __future__ import annotations

from rtinspect.server.app import EmbeddedServer, ServerThread
from rtinspect.server.transcribe import FakeTranscriber, PocketsphinxTranscriber, Transcriber

__all__ = ["EmbeddedServer", "FakeTranscriber", "PocketsphinxTranscriber", "ServerThread", "Transcriber"]
