"""The event-list filter language, in the spirit of mitmproxy's filter expressions. No Textual.

    response.*              type glob (any term with ``.`` or ``*``; ``type:NAME`` to be explicit)
    transcription           a bare word: the type contains it (case-insensitive)
    client  server  meta    direction (also ``dir:client`` ...)
    error                   errors, failures, and events an error finding points at
    id:item_123             events naming that item or response id
    "what is the weather"   text anywhere in the event (audio payloads are never searched)
    /weath?er/              a regular expression over the event text (same)
    not X  X and Y  X or Y  ( )   ``!`` ``&`` ``|`` also work; terms side by side mean "and"

Why its own module and a real grammar: the filter bar is the one place a user types a query over a
million events; the cheap terms (type, direction, error) are numpy masks over the index columns,
and the costly ones (text, regex, ids) only read the lines the cheap terms left standing.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from rtinspect.inspector.index import DIR_CODE, EventIndex
from rtinspect.inspector.summary import AUDIO_TYPES

DIRECTIONS = ("client", "server", "meta")
KEYWORDS = {"and", "or", "not"}
ERROR_TYPES = ("error", "rtinspect.transport.error")


class FilterError(ValueError):
    """A filter that does not parse; the message says where and why, in one line."""


# ---- the tree ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Type:
    pattern: str  # a glob, or a plain word matched as a substring


@dataclass(frozen=True, slots=True)
class Dir:
    direction: str


@dataclass(frozen=True, slots=True)
class Error:
    pass


@dataclass(frozen=True, slots=True)
class Id:
    value: str


@dataclass(frozen=True, slots=True)
class Text:
    value: str


@dataclass(frozen=True, slots=True)
class Regex:
    pattern: str


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Or:
    left: Node
    right: Node


Node = Type | Dir | Error | Id | Text | Regex | Not | And | Or


# ---- text -> tree -------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lp>\() | (?P<rp>\)) | (?P<bang>!) | (?P<amp>&) | (?P<bar>\|)
      | "(?P<text>(?:[^"\\]|\\.)*)"
      | /(?P<regex>(?:[^/\\]|\\.)*)/
      | (?P<word>[^\s()!&|"]+)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            rest = text[pos:].lstrip()
            what = (
                "an unclosed quote"
                if rest.startswith('"')
                else "an unclosed /regex/"
                if rest.startswith("/")
                else repr(rest[:10])
            )
            raise FilterError(f"{what} at column {len(text) - len(rest) + 1}")
        kind = m.lastgroup or ""
        value = m.group(kind) if kind else ""
        out.append((kind, value, m.start(kind) if kind else pos))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def is_op(self, name: str) -> bool:
        tok = self.peek()
        if tok is None:
            return False
        kind, value, _ = tok
        return (kind == "word" and value.lower() == name) or kind == {
            "or": "bar",
            "and": "amp",
            "not": "bang",
        }[name]

    def parse(self) -> Node:
        node = self.or_()
        tok = self.peek()
        if tok is not None:
            raise FilterError(f"unexpected {tok[1] or ')'!r} at column {tok[2] + 1}")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.is_op("or"):
            self.take()
            node = Or(node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while True:
            if self.is_op("and"):
                self.take()
            elif self.peek() is None or self.peek()[0] == "rp" or self.is_op("or"):  # type: ignore[index]
                return node
            node = And(node, self.not_())

    def not_(self) -> Node:
        if self.is_op("not"):
            self.take()
            return Not(self.not_())
        return self.atom()

    def atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise FilterError("the filter ends where a term was expected")
        kind, value, col = self.take()
        if kind == "lp":
            node = self.or_()
            if self.peek() is None or self.take()[0] != "rp":
                raise FilterError(f"the ( at column {col + 1} is never closed")
            return node
        if kind == "text":
            return Text(_unescape(value))
        if kind == "regex":
            pattern = _unescape(value, "/")
            try:
                re.compile(pattern)
            except re.error as err:
                raise FilterError(f"bad regex /{value}/: {err}") from None
            return Regex(pattern)
        if kind != "word" or value.lower() in KEYWORDS:
            raise FilterError(f"a term was expected at column {col + 1}, not {value or ')'!r}")
        return _word(value)


def _unescape(value: str, quote: str = '"') -> str:
    return (
        value.replace("\\" + quote, quote).replace("\\\\", "\\")
        if quote == '"'
        else value.replace("\\/", "/")
    )


def _word(value: str) -> Node:
    low = value.lower()
    key, sep, rest = value.partition(":")
    if sep and rest:
        k = key.lower()
        if k == "type":
            return Type(rest)
        if k == "dir" and rest.lower() in DIRECTIONS:
            return Dir(rest.lower())
        if k == "id":
            return Id(rest)
    if low in DIRECTIONS:
        return Dir(low)
    if low == "error":
        return Error()
    return Type(value)


def parse(text: str) -> Node | None:
    """The tree of a filter (None for an empty one); raises FilterError with one line."""
    if not text.strip():
        return None
    return _Parser(text).parse()


# ---- tree -> text (the help and the tests print filters back) ------------------------------------
def to_text(node: Node) -> str:
    if isinstance(node, Type):
        return node.pattern if _word(node.pattern) == node else f"type:{node.pattern}"
    if isinstance(node, Dir):
        return node.direction
    if isinstance(node, Error):
        return "error"
    if isinstance(node, Id):
        return f"id:{node.value}"
    if isinstance(node, Text):
        return '"' + node.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(node, Regex):
        return "/" + node.pattern.replace("/", "\\/") + "/"
    if isinstance(node, Not):
        return f"not {_group(node.child, Not)}"
    if isinstance(node, And):
        return f"{_group(node.left, And)} and {_group(node.right, Not)}"
    return f"{_group(node.left, Or)} or {_group(node.right, And)}"


def _group(node: Node, at_least: type) -> str:
    """``node`` in parentheses unless it binds at least as tightly as ``at_least``."""
    rank = {Or: 0, And: 1, Not: 2}
    mine = rank.get(type(node), 3)
    return to_text(node) if mine >= rank[at_least] else f"({to_text(node)})"


# ---- evaluation ----------------------------------------------------------------------------------
def _cheap(node: Node) -> bool:
    """Decided from the index columns alone (no line is read)."""
    if isinstance(node, (Type, Dir, Error)):
        return True
    if isinstance(node, Not):
        return _cheap(node.child)
    if isinstance(node, (And, Or)):
        return _cheap(node.left) and _cheap(node.right)
    return False


def needs_text(node: Node | None) -> bool:
    """True when the filter reads event text (slow on a big log: apply it on Enter, not per key)."""
    return node is not None and not _cheap(node)


def type_codes_matching(names: list[str], pattern: str) -> np.ndarray:
    """Codes of the type names a Type term matches: a glob when it has ``*?[``, else a substring."""
    low = pattern.lower()
    if any(c in low for c in "*?["):
        hits = [i for i, n in enumerate(names) if fnmatch.fnmatchcase(n.lower(), low)]
    else:
        hits = [i for i, n in enumerate(names) if low in n.lower()]
    return np.array(hits, dtype=np.int32)


class Matcher:
    """Evaluates a filter over events ``[start, stop)`` of an index as a boolean mask."""

    def __init__(self, node: Node | None, index: EventIndex, error_events: Callable[[], np.ndarray]) -> None:
        self.node = node
        self.index = index
        self._error_events = error_events

    def mask(self, start: int, stop: int) -> np.ndarray:
        events = np.arange(start, stop, dtype=np.int64)
        if self.node is None:
            return np.ones(len(events), dtype=bool)
        return self._eval(self.node, events)

    def _eval(self, node: Node, ev: np.ndarray) -> np.ndarray:
        idx = self.index
        if len(ev) == 0:
            return np.zeros(0, dtype=bool)
        if isinstance(node, Type):
            return np.isin(idx.type_codes[ev], type_codes_matching(idx.type_names, node.pattern))
        if isinstance(node, Dir):
            return np.asarray(idx.dirs[ev] == DIR_CODE[node.direction], dtype=bool)
        if isinstance(node, Error):
            names = idx.type_names
            codes = np.array(
                [i for i, n in enumerate(names) if n in ERROR_TYPES or n.endswith(".failed")], np.int32
            )
            return np.isin(idx.type_codes[ev], codes) | np.isin(ev, self._error_events())
        if isinstance(node, Not):
            return ~self._eval(node.child, ev)
        if isinstance(node, And):
            first, second = (
                (node.left, node.right)
                if _cheap(node.left) or not _cheap(node.right)
                else (node.right, node.left)
            )
            out = self._eval(first, ev)
            if out.any():
                out[out] = self._eval(second, ev[out])  # the costly side reads only the survivors
            return out
        if isinstance(node, Or):
            first, second = (
                (node.left, node.right)
                if _cheap(node.left) or not _cheap(node.right)
                else (node.right, node.left)
            )
            out = self._eval(first, ev)
            rest = ~out
            if rest.any():
                out[rest] = self._eval(second, ev[rest])
            return out
        return self._text(node, ev)

    def _text(self, node: Id | Text | Regex, ev: np.ndarray) -> np.ndarray:
        idx = self.index
        audio = np.array([i for i, n in enumerate(idx.type_names) if n in AUDIO_TYPES], dtype=np.int32)
        readable = ~np.isin(idx.type_codes[ev], audio)  # a base64 payload is never searched
        out = np.zeros(len(ev), dtype=bool)
        if isinstance(node, Id):
            needle = f'"{node.value}"'.encode()
            test: Callable[[bytes], bool] = lambda raw: needle in raw  # noqa: E731
        elif isinstance(node, Text):
            low = node.value.lower().encode()
            test = lambda raw: low in raw.lower()  # noqa: E731
        else:
            rx = re.compile(node.pattern.encode(), re.IGNORECASE)
            test = lambda raw: rx.search(raw) is not None  # noqa: E731
        ks = np.flatnonzero(readable)
        try:
            # a window of the file per read, not a read per event (see LogReader.raw_many)
            lines: Iterable[bytes] = idx.raw_many(ev[ks])
        except IndexError:
            return out
        for k, raw in zip(ks.tolist(), lines, strict=False):
            try:
                out[k] = test(raw)
            except Exception:  # noqa: BLE001 - a damaged line matches nothing
                continue
        return out
