"""Where the live server departs from the published schemas (docs/protocol.md §5, §7, §10); the live server wins.

Each table is used by ``validate``; ``client`` tables apply to what clients send, ``server`` ones to
what the server sends (checked leniently).
"""

from __future__ import annotations

from rtinspect.protocol import Dialect
from rtinspect.protocol._schema import Node, event_index

# live: these fields take any string although the beta schema enumerates them (the beta server
# accepted newer model names such as gpt-realtime with the beta header).
OPEN_ENUM_KEYS = frozenset({"model"})

# live: the beta server bounded temperature to [0.6, 1.2]; the schema gives no bounds.
LIVE_BOUNDS = {Dialect.BETA: {"session.temperature": (0.6, 1.2), "response.temperature": (0.6, 1.2)}}

# live: null accepted from clients for these optional scalars ("null = append at the end").
CLIENT_NULL_KEYS = frozenset({"previous_item_id", "response_id"})

# live: fields the beta server accepted that its April 2025 schema lacks (speed arrived mid-2025).
LIVE_FIELDS: dict[Dialect, dict[str, Node]] = {
    Dialect.BETA: {"session.speed": Node(types=frozenset({"number"}), minimum=0.25, maximum=1.5)},
}

# live: fields the server sends that the schema lacks (docs/protocol.md §10), accepted in server events.
SERVER_EXTRA_KEYS = frozenset({"obfuscation"})
# live: beta session objects carried fields the April 2025 schema lacks (captures up to 2026-05).
SERVER_EXTRA_PATHS = {
    Dialect.BETA: frozenset(
        f"session.{k}"
        for k in (
            "id",
            "object",
            "expires_at",
            "speed",
            "tracing",
            "client_secret",
            "include",
            "input_audio_noise_reduction",
        )
    ),
    Dialect.GA: frozenset(),
}
# live: null is sent even where the schema requires a value (docs/protocol.md §10).
SERVER_NULL_KEYS = frozenset(
    {"previous_item_id", "item_id", "status_details", "usage", "transcript", "code", "param"}
)
# live: values the server sends beyond the schema's enum (beta response.created carries in_progress).
SERVER_EXTRA_ENUM = {"response.status": frozenset({"in_progress"})}
# live: GA items carry no ``object``; beta transcription sessions send ``client_secret: null``.
SERVER_OPTIONAL_KEYS = frozenset({"object", "client_secret"})


# live: server event types the schema lacks, mapped to the documented type whose schema fits them.
LIVE_SERVER_ALIASES: dict[Dialect, dict[str, str]] = {
    Dialect.BETA: {"transcription_session.created": "transcription_session.updated"},
    Dialect.GA: {},
}


def live_server_schema_name(dialect: Dialect, type_: str) -> str | None:
    """For a live-only server type, the documented type whose schema describes it."""
    return LIVE_SERVER_ALIASES[Dialect(dialect)].get(type_)


def server_types(dialect: Dialect) -> list[str]:
    """Every server event type of a dialect: the schema's, then the live-only ones."""
    d = Dialect(dialect)
    return [
        *event_index(d)["server"],
        *(t for t in LIVE_SERVER_ALIASES[d] if t not in event_index(d)["server"]),
    ]
