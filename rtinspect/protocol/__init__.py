"""The Realtime protocol in its two dialects: GA (live) and beta (retired 2026-05).

Public contract used across rtinspect (implementations live in the submodules):

- ``Dialect``: ``Dialect.GA`` / ``Dialect.BETA``.
- ``Problem``: one validation problem, shaped like the live server's error so the embedded
  server can answer with it verbatim (``code``, ``message``, ``param`` = ``path``).
- ``validate_client_event(event, dialect) -> list[Problem]`` (``rtinspect.protocol.validate``).
- ``catalog(dialect)`` (``rtinspect.protocol.catalog``), detection and name mapping
  (``rtinspect.protocol.dialect``).
- ``AUDIO_FIELDS``, ``AudioFormat``, ``b64_decoded_len``: audio payloads and their size (``protocol.audio``).
- ``closest_name``: the one did-you-mean (``protocol.names``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Dialect(StrEnum):
    GA = "ga"
    BETA = "beta"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a client event.

    ``path``: dotted JSON path inside the event, exactly as the live server's ``param``
    (``session.audio.input.format.rate``, ``session.input_audio_transcription.enabled``).
    ``code``: the live server's error code (``unknown_parameter``, ``integer_below_min_value``,
    ``invalid_type``, ``invalid_value``, ``missing_required_parameter``, ...).
    ``message``: the live server's message text where it is known, else one in its style.
    ``hint``: what rtinspect adds: did-you-mean, or the name the other dialect uses.
    """

    path: str
    code: str
    message: str
    hint: str | None = None


# Which field of which event type carries base64 audio: owned by ``protocol.audio`` (stdlib only, so
# the log writer can skip scanning audio for secrets without loading the schemas).
from rtinspect.protocol.audio import AUDIO_FIELDS as AUDIO_FIELDS  # noqa: E402

# Re-exports, loaded on first use: the submodules import ``Dialect``/``Problem`` from here, and
# ``import rtinspect.protocol`` stays cheap (no schema loading) for the CLI's ``--help``.
# ``catalog()`` is not re-exported: the name is taken by its submodule.
_LAZY = {
    "validate_client_event": "validate",
    "validate_server_event": "validate",
    "default_session": "session",
    "merge_session_update": "session",
    "input_format": "session",
    "output_format": "session",
    "turn_detection": "session",
    "transcription_config": "session",
    "AudioFormat": "audio",
    "b64_decoded_len": "audio",
    "closest_name": "names",
    "detect_dialect": "dialect",
    "event_type_to": "dialect",
    "session_to_ga": "dialect",
    "session_to_beta": "dialect",
    "translate_client_event": "dialect",
    "Catalog": "catalog",
    "is_audio_event": "catalog",
    "audio_field": "catalog",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
