"""Load the shipped Realtime schemas and compile their nodes into a flat, cached form.

The schema files are OpenAPI component dumps (GA: OpenAPI 3.1 with ``type: "null"`` branches;
beta: OpenAPI 3.0 with ``nullable``). Walking them raw means resolving ``$ref`` and re-reading
keywords on every event; compiling each node once into a ``Node`` keeps validation of a typical
``session.update`` far below a millisecond.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from rtinspect.protocol import Dialect

_FILES = {Dialect.GA: "realtime-ga.schema.json", Dialect.BETA: "realtime-beta.schema.json"}

# JSON type names as the schemas spell them.
JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")


@functools.cache
def load(dialect: Dialect) -> dict[str, Any]:
    """The whole schema document of a dialect (read once, from package data)."""
    text = resources.files("rtinspect.protocol").joinpath("data", _FILES[Dialect(dialect)]).read_text("utf-8")
    return json.loads(text)


def event_index(dialect: Dialect) -> dict[str, dict[str, str]]:
    """``{"client": {type: schema name}, "server": {...}}`` straight from the schema file."""
    return load(dialect)["x-event-index"]


def json_type(value: Any) -> str:
    """The JSON type of a decoded value (bool is not a number; an integral float is a number)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return "unknown"


def type_accepts(types: frozenset[str] | None, value: Any) -> bool:
    """Whether a value's JSON type is one of ``types`` (None = untyped, accepts anything)."""
    if types is None:
        return True
    t = json_type(value)
    if t in types:
        return True
    if t == "integer" and "number" in types:
        return True
    return t == "number" and "integer" in types and float(value).is_integer()


@dataclass(eq=False)
class Node:
    """One compiled schema node; ``branches`` holds the flattened anyOf/oneOf alternatives."""

    types: frozenset[str] | None = None
    nullable: bool = False
    enum: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    min_items: int | None = None
    pattern: str | None = None
    properties: dict[str, Node] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    # True = any extra key allowed, False = closed, Node = extra values must match it.
    additional: bool | Node = False
    items: Node | None = None
    branches: tuple[Node, ...] = ()
    description: str = ""
    name: str = ""

    @property
    def is_object(self) -> bool:
        return self.types is not None and "object" in self.types

    def const_of(self, key: str) -> tuple[Any, ...] | None:
        """The allowed values of a discriminator-like property (``type``, ``role``), if fixed."""
        prop = self.properties.get(key)
        if prop is None:
            return None
        if prop.enum is not None:
            return prop.enum
        return None


class Compiler:
    """Compiles the component schemas of one dialect lazily, caching each node by identity."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = Dialect(dialect)
        self.components: dict[str, Any] = load(self.dialect)["components"]["schemas"]
        self._cache: dict[int, Node] = {}
        self._named: dict[str, Node] = {}

    def named(self, name: str) -> Node:
        """The compiled node of component ``name``."""
        node = self._named.get(name)
        if node is None:
            node = self.compile(self.components[name])
            node.name = name
            self._named[name] = node
        return node

    def compile(self, schema: Any) -> Node:
        key = id(schema)
        node = self._cache.get(key)
        if node is not None:
            return node
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if isinstance(ref, str):
            # A $ref with siblings (default/description) behaves as its target.
            node = self.named(ref.rsplit("/", 1)[-1])
            self._cache[key] = node
            return node
        node = Node()
        self._cache[key] = node  # placed first so recursive schemas terminate
        self._fill(node, schema if isinstance(schema, dict) else {})
        return node

    def _fill(self, node: Node, schema: dict[str, Any]) -> None:
        node.description = _first_line(schema.get("description"))
        node.nullable = bool(schema.get("nullable"))
        raw_type = schema.get("type")
        if isinstance(raw_type, str):
            node.types = frozenset({raw_type})
        elif isinstance(raw_type, list):
            node.types = frozenset(t for t in raw_type if isinstance(t, str))
        if node.types is not None and "null" in node.types:
            node.nullable = True
        if "const" in schema:
            node.enum = (schema["const"],)
        elif isinstance(schema.get("enum"), list):
            node.enum = tuple(schema["enum"])
        for key, attr in (("minimum", "minimum"), ("maximum", "maximum")):
            if isinstance(schema.get(key), int | float):
                setattr(node, attr, schema[key])
        if isinstance(schema.get("maxLength"), int):
            node.max_length = schema["maxLength"]
        if isinstance(schema.get("minItems"), int):
            node.min_items = schema["minItems"]
        if isinstance(schema.get("pattern"), str):
            node.pattern = schema["pattern"]
        props = schema.get("properties")
        if isinstance(props, dict):
            node.properties = {k: self.compile(v) for k, v in props.items()}
        if isinstance(schema.get("required"), list):
            node.required = tuple(schema["required"])
        addl = schema.get("additionalProperties")
        if isinstance(addl, dict):
            node.additional = self.compile(addl)
        elif isinstance(addl, bool):
            node.additional = addl
        else:
            # Live server rejects unknown fields of documented objects; a bare ``type: object``
            # (tool parameters, metadata) is free-form.
            node.additional = not node.properties
        if "items" in schema:
            node.items = self.compile(schema["items"])
        if node.types is None:
            if node.properties:
                node.types = frozenset({"object"})
            elif node.items is not None:
                node.types = frozenset({"array"})
        branches: list[Node] = []
        for key in ("anyOf", "oneOf"):
            for sub in schema.get(key) or ():
                branches.extend(self._flatten(self.compile(sub)))
        for sub in schema.get("allOf") or ():
            _merge(node, self.compile(sub))
        if branches:
            # A union node: keep own restrictions only where it adds them (rare in these files).
            node.branches = tuple(b for b in branches if not _is_null_only(b))
            if len(node.branches) < len(branches):
                node.nullable = True
            if not node.properties:
                node.types = None

    def _flatten(self, node: Node) -> list[Node]:
        if node.branches and not node.properties:
            out: list[Node] = []
            for b in node.branches:
                out.extend(self._flatten(b))
            if node.nullable:
                out.append(Node(types=frozenset({"null"}), nullable=True))
            return out
        return [node]


def _is_null_only(node: Node) -> bool:
    return node.types == frozenset({"null"})


def _merge(dst: Node, src: Node) -> None:
    dst.properties = {**dst.properties, **src.properties}
    dst.required = tuple(dict.fromkeys(dst.required + src.required))
    if dst.types is None:
        dst.types = src.types
    dst.additional = dst.additional if dst.properties else src.additional


def _first_line(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


_compilers: dict[Dialect, Compiler] = {}
_lock = threading.Lock()


def compiler(dialect: Dialect) -> Compiler:
    """The shared compiler of a dialect, with every component compiled up front.

    Compiling eagerly (a few ms, once) under a lock means validators running in several threads
    (TUI workers, the embedded server) only ever read finished nodes.
    """
    d = Dialect(dialect)
    found = _compilers.get(d)
    if found is not None:
        return found
    with _lock:
        found = _compilers.get(d)
        if found is None:
            found = Compiler(d)
            for name in found.components:
                found.named(name)
            _compilers[d] = found
    return found
