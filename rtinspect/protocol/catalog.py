"""Every client and server event type of a dialect, with its fields, corrected for the live server.

Built at first use from the shipped schemas' ``x-event-index`` (package data, so it works installed),
then patched with what live captures show (docs/protocol.md §3, §10): GA ``obfuscation`` on deltas, beta
``transcription_session.created``, GA ``conversation.item.added``/``.done`` as what is really sent.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from rtinspect.protocol import Dialect
from rtinspect.protocol._live import LIVE_SERVER_ALIASES, live_server_schema_name, server_types
from rtinspect.protocol._schema import Node, compiler, event_index, load
from rtinspect.protocol.audio import AUDIO_FIELDS
from rtinspect.protocol.validate import validate_server_event

__all__ = [
    "LIVE_SERVER_ALIASES",
    "Catalog",
    "EventInfo",
    "FieldInfo",
    "audio_field",
    "catalog",
    "is_audio_event",
    "live_server_schema_name",
    "server_types",
    "validate_server_event",
]


# live: notes shown next to an event type.
_NOTES: dict[Dialect, dict[str, str]] = {
    Dialect.GA: {
        "conversation.item.created": "in the spec only; live GA sends conversation.item.added then .done",
        "conversation.created": "in the spec only; not seen in live GA captures",
        "rate_limits.updated": "live: arrives ~40 ms after response.done with a single 'tokens' entry",
        "output_audio_buffer.started": "WebRTC/SIP only",
        "output_audio_buffer.stopped": "WebRTC/SIP only",
        "output_audio_buffer.cleared": "WebRTC/SIP only",
        "output_audio_buffer.clear": "WebRTC/SIP only",
        "transcription_session.update": "beta-era; GA uses session.update with session.type 'transcription'",
        "transcription_session.updated": "beta-era; GA sends session.updated",
    },
    Dialect.BETA: {
        "transcription_session.created": "live: first event of a beta transcription session",
        "rate_limits.updated": "live: arrives ~40 ms after response.done with a single 'tokens' entry",
        "output_audio_buffer.started": "WebRTC only",
        "output_audio_buffer.stopped": "WebRTC only",
        "output_audio_buffer.cleared": "WebRTC only",
        "output_audio_buffer.clear": "WebRTC only",
    },
}


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One top-level field of an event: ``type`` is a short label such as ``string``, ``object|null``."""

    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True, slots=True)
class EventInfo:
    """One event type: ``direction`` is ``client`` or ``server``; ``live_only`` when not in the schema."""

    type: str
    direction: str
    fields: tuple[FieldInfo, ...]
    description: str
    schema: str
    live_only: bool = False
    note: str | None = None

    def field(self, name: str) -> FieldInfo | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class Catalog:
    """The event types of one dialect (``client`` and ``server`` keyed by wire ``type``)."""

    dialect: Dialect
    client: Mapping[str, EventInfo]
    server: Mapping[str, EventInfo]

    def get(self, type_: str, direction: str | None = None) -> EventInfo | None:
        """The event info of a type; without ``direction`` the client table is looked up first."""
        if direction in (None, "client") and type_ in self.client:
            return self.client[type_]
        if direction in (None, "server"):
            return self.server.get(type_)
        return None

    def __iter__(self) -> Iterator[EventInfo]:
        yield from self.client.values()
        yield from self.server.values()

    def __contains__(self, type_: object) -> bool:
        return type_ in self.client or type_ in self.server


@functools.cache
def catalog(dialect: Dialect) -> Catalog:
    """The catalog of a dialect (built once per process)."""
    d = Dialect(dialect)
    index = event_index(d)
    client = {t: _info(d, t, "client", name) for t, name in index["client"].items()}
    server = {t: _info(d, t, "server", name) for t, name in index["server"].items()}
    for alias, target in LIVE_SERVER_ALIASES[d].items():
        base = _info(d, alias, "server", index["server"][target])
        server[alias] = EventInfo(
            alias, "server", base.fields, base.description, base.schema, True, _NOTES[d].get(alias)
        )
    return Catalog(d, client, server)


def is_audio_event(type_: str) -> bool:
    """Whether events of this type carry a base64 audio payload (to elide, count or decode)."""
    return type_ in AUDIO_FIELDS


def audio_field(type_: str) -> str | None:
    """The field holding base64 audio in events of this type, or None."""
    return AUDIO_FIELDS.get(type_)


def _info(dialect: Dialect, type_: str, direction: str, schema_name: str) -> EventInfo:
    raw = load(dialect)["components"]["schemas"][schema_name]
    node = compiler(dialect).named(schema_name)
    fields = [
        FieldInfo(name, _label(sub), name in node.required, _first_line(raw.get("properties", {}).get(name)))
        for name, sub in node.properties.items()
    ]
    if dialect is Dialect.GA and direction == "server" and type_.endswith(".delta"):
        # live: GA delta events carry an undocumented obfuscation string (docs/protocol.md §3).
        fields.append(FieldInfo("obfuscation", "string", False, "Live-only padding string on GA deltas."))
    return EventInfo(
        type_,
        direction,
        tuple(fields),
        _first_line(raw),
        schema_name,
        False,
        _NOTES[dialect].get(type_),
    )


def _label(node: Node) -> str:
    if node.branches:
        kinds = dict.fromkeys(_label(b) for b in node.branches)
        label = "|".join(kinds)
    elif node.types:
        label = "|".join(sorted(node.types))
    else:
        label = "any"
    if node.nullable and "null" not in label.split("|"):
        label += "|null"
    return label


def _first_line(schema: Any) -> str:
    text = schema.get("description") if isinstance(schema, dict) else None
    if not isinstance(text, str):
        return ""
    return next((line.strip() for line in text.strip().splitlines() if line.strip()), "")
