"""Validate Realtime events against the official schemas, with the live server's codes and messages.

Why a walker of our own rather than a jsonschema library: the Realtime schemas are anyOf/oneOf-heavy
(items, turn detection, audio formats, tool choice), and a generic validator reports a union failure
as "not valid under any of the given schemas" at the union's root, with no live error code. Users
need what the live server says: ``unknown_parameter`` at ``session.input_audio_transcription.enabled``,
``integer_below_min_value`` at ``session.audio.input.format.rate``. So this walker picks the union
branch the value was meant for (by its ``type``/``role`` discriminators, then by fewest problems),
reports EVERY problem with its dotted path, and adds a hint (did-you-mean, or the other dialect's name).

Live behaviour that overrides the schema (docs/protocol.md §5, §7, §10) is tabled in ``_live`` and marked
``# live:`` here; message texts and hints are in ``_messages``. ``unknown_parameter``,
``integer_below_min_value``, ``invalid_value`` and ``invalid_event`` texts are as captured live;
``invalid_type`` and ``missing_required_parameter`` follow the general OpenAI error convention
(unverified for Realtime, docs/protocol.md §8).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from rtinspect.protocol import Dialect, Problem
from rtinspect.protocol import _live as live
from rtinspect.protocol import _messages as msg
from rtinspect.protocol._schema import Node, compiler, event_index, json_type, type_accepts
from rtinspect.protocol.audio import MAX_APPEND_B64
from rtinspect.secrets import redact_text

_MAX_APPEND_B64 = MAX_APPEND_B64


class _Ctx:
    __slots__ = ("dialect", "server", "out", "bounds")

    def __init__(self, dialect: Dialect, server: bool, out: list[Problem] | None = None) -> None:
        self.dialect = dialect
        self.server = server
        self.out: list[Problem] = [] if out is None else out
        self.bounds = live.LIVE_BOUNDS.get(dialect, {})

    def fork(self) -> _Ctx:
        return _Ctx(self.dialect, self.server)

    def add(self, path: str, code: str, message: str, hint: str | None = None) -> None:
        # A key pasted into a value or even a field name must not reach the screen or a log.
        self.out.append(Problem(redact_text(path), code, redact_text(message), hint))


def client_event_types(dialect: Dialect) -> list[str]:
    """Every client event ``type`` the dialect accepts, in schema order."""
    return list(event_index(dialect)["client"])


def server_event_types(dialect: Dialect) -> list[str]:
    """Every server event ``type`` the dialect's schema documents (see catalog for live additions)."""
    return list(event_index(dialect)["server"])


def validate_client_event(event: Mapping[str, Any] | Any, dialect: Dialect) -> list[Problem]:
    """Every problem the live server would find in a client event (empty list = valid).

    A missing ``type`` gives code ``invalid_event`` at path ``type`` (the live error's param is null).
    """
    return _validate(event, Dialect(dialect), server=False)


def validate_server_event(event: Mapping[str, Any] | Any, dialect: Dialect) -> list[Problem]:
    """Problems in a server event, lenient where the live server deviates from the schema.

    Accepts null for any optional field, the undocumented ``obfuscation`` on deltas, GA items without
    ``object``, and the live-only types of ``catalog`` (``conversation.item.added``/``.done`` etc.).
    """
    return _validate(event, Dialect(dialect), server=True)


def _validate(event: Any, dialect: Dialect, *, server: bool) -> list[Problem]:
    ctx = _Ctx(dialect, server)
    if not isinstance(event, Mapping):
        ctx.add(
            "",
            "invalid_event",
            "Expected an event object, but got " + msg.article(json_type(event)) + " instead.",
        )
        return ctx.out
    etype = event.get("type")
    if "type" not in event:
        ctx.add("type", "invalid_event", "The 'type' field is missing.")
        return ctx.out
    if not isinstance(etype, str):
        ctx.add("type", "invalid_type", msg.type_message("type", frozenset({"string"}), etype))
        return ctx.out
    if server:
        alias = live.live_server_schema_name(dialect, etype)
        if alias is not None:
            event, etype = {**event, "type": alias}, alias
    node = _event_node(dialect, etype, server)
    if node is None:
        supported = _server_types(dialect) if server else client_event_types(dialect)
        ctx.add(
            "type", "invalid_value", msg.enum_message(etype, supported), msg.did_you_mean(etype, supported)
        )
        return ctx.out
    _check(node, event, "", ctx, optional=False)
    if not server and etype == "input_audio_buffer.append":
        _check_append_audio(event.get("audio"), ctx)
    if not server and dialect is Dialect.GA and etype in ("session.update", "response.create"):
        _check_modalities(event, ctx)
    return ctx.out


def _server_types(dialect: Dialect) -> list[str]:
    return live.server_types(dialect)


def _event_node(dialect: Dialect, etype: str, server: bool) -> Node | None:
    name = event_index(dialect)["server" if server else "client"].get(etype)
    return None if name is None else compiler(dialect).named(name)


def _check_append_audio(audio: Any, ctx: _Ctx) -> None:
    if not isinstance(audio, str):
        return  # missing/wrong type already reported by the schema walk
    if len(audio) > _MAX_APPEND_B64:
        ctx.add(
            "audio",
            "string_above_max_length",
            f"Expected a string with maximum length {_MAX_APPEND_B64} (15 MiB of audio), "
            f"but got a string with length {len(audio)} instead.",
        )
        return
    try:
        base64.b64decode(audio, validate=True)
    except (binascii.Error, ValueError):
        ctx.add(
            "audio",
            "invalid_value",
            "Invalid value for 'audio': expected base64-encoded audio bytes.",
            "encode the raw audio bytes with standard base64 (A-Z a-z 0-9 + /, '=' padding)",
        )


def _join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def _nullable(node: Node) -> bool:
    if node.nullable:
        return True
    if node.types is not None:
        return bool(node.types & {"object", "array"})
    return any(b.nullable or (b.types is not None and "object" in b.types) for b in node.branches)


def _check(node: Node, value: Any, path: str, ctx: _Ctx, *, optional: bool) -> None:
    if value is None:
        # live: null is accepted for optional objects (turn_detection, transcription, noise_reduction,
        # include, tracing) from clients, and for any optional field in server events (docs/protocol.md §10).
        key = path.rsplit(".", 1)[-1]
        if (
            node.nullable
            or (optional and (ctx.server or _nullable(node) or key in live.CLIENT_NULL_KEYS))
            or (ctx.server and key in live.SERVER_NULL_KEYS)
        ):
            return
        if node.branches or node.types is not None:
            ctx.add(path, "invalid_type", msg.type_message(path, _expected_types(node), value))
        return
    if node.branches:
        _check_union(node, value, path, ctx)
        return
    if not type_accepts(node.types, value):
        ctx.add(path, "invalid_type", msg.type_message(path, _expected_types(node), value))
        return
    if isinstance(value, Mapping):
        _check_object(node, value, path, ctx)
    elif isinstance(value, list):
        _check_array(node, value, path, ctx)
    else:
        _check_scalar(node, value, path, ctx)


def _check_object(node: Node, value: Mapping[str, Any], path: str, ctx: _Ctx) -> None:
    props = node.properties
    for key, sub_value in value.items():
        sub_path = _join(path, key)
        sub = props.get(key)
        if sub is None:
            extra = node.additional
            if extra is True or (
                ctx.server
                and (key in live.SERVER_EXTRA_KEYS or sub_path in live.SERVER_EXTRA_PATHS[ctx.dialect])
            ):
                continue
            live_field = live.LIVE_FIELDS.get(ctx.dialect, {}).get(sub_path)
            if live_field is not None:
                _check(live_field, sub_value, sub_path, ctx, optional=True)
                continue
            if extra is not False and not isinstance(extra, bool):
                _check(extra, sub_value, sub_path, ctx, optional=True)
                continue
            ctx.add(
                sub_path,
                "unknown_parameter",
                f"Unknown parameter: '{sub_path}'.",
                msg.unknown_hint(str(key), sub_path, props, ctx.dialect),
            )
            continue
        optional = key not in node.required or (ctx.server and key in live.SERVER_OPTIONAL_KEYS)
        _check(sub, sub_value, sub_path, ctx, optional=optional)
    for key in node.required:
        if key not in value and not (ctx.server and key in live.SERVER_OPTIONAL_KEYS):
            sub_path = _join(path, key)
            ctx.add(sub_path, "missing_required_parameter", f"Missing required parameter: '{sub_path}'.")


def _check_array(node: Node, value: list[Any], path: str, ctx: _Ctx) -> None:
    if node.min_items is not None and len(value) < node.min_items:
        ctx.add(
            path,
            "array_below_min_length",
            f"Expected an array with minimum length {node.min_items}, but got an array with length "
            f"{len(value)} instead.",
        )
    if node.items is not None:
        for i, item in enumerate(value):
            _check(node.items, item, _join(path, i), ctx, optional=False)


def _check_scalar(node: Node, value: Any, path: str, ctx: _Ctx) -> None:
    key = path.rsplit(".", 1)[-1]
    lo, hi = ctx.bounds.get(path, (node.minimum, node.maximum))
    if isinstance(value, int | float) and not isinstance(value, bool):
        enum = node.enum
        if enum and all(isinstance(e, int | float) and not isinstance(e, bool) for e in enum):
            # live: a numeric enum is reported as a range (GA rate 16000 -> ">= 24000").
            lo = min(enum) if lo is None else lo
            hi = max(enum) if hi is None else hi
        integer = isinstance(value, int) and (node.types is None or "number" not in node.types)
        kind = "integer" if integer else "decimal"
        if lo is not None and value < lo:
            ctx.add(path, f"{kind}_below_min_value", msg.range_message(path, kind, True, lo, value))
            return
        if hi is not None and value > hi:
            ctx.add(path, f"{kind}_above_max_value", msg.range_message(path, kind, False, hi, value))
            return
    if isinstance(value, str):
        if node.max_length is not None and len(value) > node.max_length:
            ctx.add(
                path,
                "string_above_max_length",
                f"Expected a string with maximum length {node.max_length}, but got a string with length "
                f"{len(value)} instead.",
            )
        if node.pattern is not None and _search(node.pattern, value) is False:
            ctx.add(
                path,
                "invalid_value",
                f"Invalid value: {msg.show(value)}. Expected a match of {node.pattern}.",
            )
    if node.enum is not None and key not in live.OPEN_ENUM_KEYS and not _in_enum(value, node.enum):
        if ctx.server and value in live.SERVER_EXTRA_ENUM.get(path, ()):
            return
        ctx.add(path, "invalid_value", msg.enum_message(value, node.enum), msg.did_you_mean(value, node.enum))


def _in_enum(value: Any, enum: tuple[Any, ...]) -> bool:
    """Membership where ``True`` is not ``1`` (JSON keeps booleans and numbers apart)."""
    return any(e == value and isinstance(e, bool) == isinstance(value, bool) for e in enum)


def _search(pattern: str, value: str) -> bool | None:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return None


def _check_union(node: Node, value: Any, path: str, ctx: _Ctx) -> None:
    candidates = [b for b in node.branches if b.branches or type_accepts(b.types, value)]
    if not candidates:
        ctx.add(
            path,
            "invalid_type",
            msg.type_message(path, _expected_types(node), value),
            msg.format_hint(path, value, ctx.dialect),
        )
        return
    if len(candidates) == 1:
        _check(candidates[0], value, path, ctx, optional=False)
        return
    if isinstance(value, Mapping):
        if _report_common_mismatch(candidates, value, path, ctx):
            return
        if "type" in value:
            # The ``type`` discriminator first: a bad ``role`` is then judged among messages only.
            typed = [b for b in candidates if (c := b.const_of("type")) is None or _in_enum(value["type"], c)]
            if typed and len(typed) < len(candidates):
                candidates = typed
                if len(typed) == 1:
                    _check(typed[0], value, path, ctx, optional=False)
                    return
                if _report_common_mismatch(candidates, value, path, ctx):
                    return
        # Branches whose fixed fields (type, role) the value matches are the ones it was meant for.
        matching = [b for b in candidates if _mismatches(b, value) == 0]
        if len(matching) == 1:
            _check(matching[0], value, path, ctx, optional=False)
            return
        candidates = matching or candidates
    best: tuple[tuple[int, int], list[Problem]] | None = None
    for b in candidates:
        sub = ctx.fork()
        _check(b, value, path, sub, optional=False)
        if not sub.out:
            return
        score = (_mismatches(b, value), len(sub.out))
        if best is None or score < best[0]:
            best = (score, sub.out)
    assert best is not None
    ctx.out.extend(best[1])


def _report_common_mismatch(candidates: list[Node], value: Mapping[str, Any], path: str, ctx: _Ctx) -> bool:
    """Report a discriminator every branch fixes and the value contradicts, listing all allowed values."""
    common = _common_mismatch(candidates, value)
    if common is None:
        return False
    allowed: list[Any] = []
    for b in candidates:
        for v in b.const_of(common) or ():
            if v not in allowed:
                allowed.append(v)
    got = value[common]
    hint = msg.did_you_mean(got, allowed) or msg.format_hint(path, got, ctx.dialect)
    ctx.add(_join(path, common), "invalid_value", msg.enum_message(got, allowed), hint)
    return True


def _check_modalities(event: Mapping[str, Any], ctx: _Ctx) -> None:
    """live: GA output_modalities is ["audio"] or ["text"], never both (docs/protocol.md §4), although the schema
    allows both. The message text follows public reports of the live error; not verified by a capture."""
    for root in ("session", "response"):
        holder = event.get(root)
        mods = holder.get("output_modalities") if isinstance(holder, Mapping) else None
        if isinstance(mods, list) and len(mods) > 1 and all(isinstance(m, str) for m in mods):
            ctx.add(
                f"{root}.output_modalities",
                "invalid_value",
                f"Invalid modalities: {repr(mods)[:80]}. Supported combinations are: ['text'] and ['audio'].",
                "use ['audio'] (the transcript comes with it) or ['text']",
            )


def _mismatches(node: Node, value: Any) -> int:
    """How many fixed-value fields (``type``, ``role``) of a branch the value contradicts."""
    if not isinstance(value, Mapping):
        return 0
    n = 0
    for key, prop in node.properties.items():
        if prop.enum is not None and len(prop.enum) == 1 and key in value and value[key] != prop.enum[0]:
            n += 1
    return n


def _common_mismatch(candidates: list[Node], value: Mapping[str, Any]) -> str | None:
    """A discriminator key every branch fixes and the value contradicts in all of them."""
    keys = ["type"] + [k for k in value if k != "type"]
    for key in keys:
        if key not in value:
            continue
        consts = [b.const_of(key) for b in candidates]
        if all(c is not None for c in consts) and all(value[key] not in c for c in consts if c is not None):
            return key
    return None


def _expected_types(node: Node) -> frozenset[str]:
    if node.branches:
        out: set[str] = set()
        for b in node.branches:
            out |= _expected_types(b)
        return frozenset(out)
    return node.types or frozenset()
