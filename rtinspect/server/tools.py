"""The local model's tool rule: whether a response calls a function tool, which one, and with what arguments.

A test double is only useful if a test can predict it, so the rule is plain and deterministic (the README
states it for users):

- The words are the user's last message: its typed text, or the transcript of its audio.
- A tool already called since that message is never called again for it: after a ``function_call_output``
  the model answers with the output (``answer_after_tools``). This is what frameworks that continue after a
  tool (Agents SDK, LiveKit, Pipecat) rely on; without it they loop forever.
- ``tool_choice: "none"`` never calls; a named function calls that tool; ``"required"`` calls the best match
  (the first tool when nothing matches); ``"auto"`` calls the best match when the words name a word of the
  tool's name, or two words of its description (common words such as "get", "the", "please" do not count),
  and answers in words otherwise. Ties go to the tool declared first.
- Arguments follow the tool's JSON schema: every required property, and optional ones the words give a value
  for. Enum values named in the words; numbers in the words, in order; a place (a capitalised word after
  "in", "for", "at"...) for city- or location-like strings; the schema's ``default``; else a neutral value
  of the type (strings get the whole utterance).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# words that say nothing about which tool is meant
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "about",
        "into",
        "near",
        "around",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "please",
        "call",
        "use",
        "run",
        "tool",
        "tools",
        "function",
        "get",
        "set",
        "fetch",
        "give",
        "tell",
        "show",
        "me",
        "my",
        "you",
        "your",
        "i",
        "we",
        "us",
        "our",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "what",
        "whats",
        "what's",
        "which",
        "who",
        "how",
        "when",
        "where",
        "why",
        "s",
        "some",
        "any",
        "there",
        "here",
        "now",
        "today",
        "just",
        "like",
        "want",
        "need",
        "know",
        "let",
        "lets",
        "hi",
        "hello",
        "hey",
        "ok",
        "okay",
    ]
)
PLACE_WORDS = ("city", "location", "place", "town", "country", "region", "destination", "where", "address")
PREPOSITIONS = frozenset(["in", "for", "at", "to", "from", "near", "of", "around"])
NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
MAX_OUTPUT_CHARS = 1000


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(slots=True)
class Turn:
    """The current user turn: its words, its number, and the tools called (and answered) since it began."""

    words: str | None
    number: int
    called: list[str] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)  # (tool name, output) in order


def current_turn(items: Mapping[str, dict[str, Any]], order: Iterable[str], words: str | None) -> Turn:
    """Read the conversation: the user messages so far, and the calls and outputs after the last one."""
    number = 0
    called: list[str] = []
    names: dict[str, str] = {}
    outputs: list[tuple[str, str]] = []
    for item_id in order:
        it = items.get(item_id) or {}
        kind = it.get("type")
        if kind == "message" and it.get("role") == "user":
            number += 1
            called, names, outputs = [], {}, []
        elif kind == "function_call":
            name = str(it.get("name") or "")
            called.append(name)
            names[str(it.get("call_id"))] = name
        elif kind == "function_call_output":
            call_id = str(it.get("call_id"))
            outputs.append((names.get(call_id, "the tool"), str(it.get("output") or "")))
    return Turn(words=words, number=number, called=called, outputs=outputs)


def function_tools(tools: Any) -> list[dict[str, Any]]:
    return [
        t
        for t in tools or []
        if isinstance(t, dict) and t.get("type", "function") == "function" and t.get("name")
    ]


def decide(tools: Any, tool_choice: Any, turn: Turn) -> ToolCall | None:
    """The tool this response calls, or None when it answers in words (see the module's rule)."""
    candidates = [t for t in function_tools(tools) if t["name"] not in turn.called]
    if not candidates or tool_choice == "none":
        return None
    words = turn.words or ""
    if isinstance(tool_choice, dict):
        named = next((t for t in candidates if t["name"] == tool_choice.get("name")), None)
        return ToolCall(named["name"], arguments_for(named, words)) if named is not None else None
    if turn.outputs and tool_choice != "required":
        return None  # the tool answered: the model answers the user now
    scored = [(score(t, words), i, t) for i, t in enumerate(candidates)]
    best_score, _, best = max(scored, key=lambda s: (s[0], -s[1]))
    if best_score <= 0 and tool_choice != "required":
        return None
    return ToolCall(best["name"], arguments_for(best, words))


def answer_after_tools(turn: Turn) -> str | None:
    """The words of an answer that uses the tools' outputs, or None when no tool has answered this turn."""
    if not turn.outputs:
        return None
    parts = []
    for name, output in turn.outputs:
        cut = output if len(output) <= MAX_OUTPUT_CHARS else output[:MAX_OUTPUT_CHARS] + "…"
        parts.append(f"{name} returned: {cut}")
    return "; ".join(parts)


# -- matching ------------------------------------------------------------------------------------------


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _content_words(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS}


def _name_words(name: str) -> set[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return _content_words(re.sub(r"[_\-.]+", " ", spaced))


def score(tool: Mapping[str, Any], words: str) -> int:
    """How well the words fit a tool: 2 per word of its name, 1 per other word of its description;
    0 unless a name word, or two description words, are there."""
    said = _content_words(words)
    name = _name_words(str(tool.get("name") or ""))
    description = _content_words(str(tool.get("description") or "")) - name
    by_name, by_description = len(said & name), len(said & description)
    if by_name == 0 and by_description < 2:
        return 0
    return 2 * by_name + by_description


# -- arguments -----------------------------------------------------------------------------------------


def arguments_for(tool: Mapping[str, Any], words: str) -> dict[str, Any]:
    params = tool.get("parameters")
    return _object(params if isinstance(params, dict) else {}, words, _Numbers(words))


class _Numbers:
    """The numbers in the words, handed out in order to the numeric properties."""

    def __init__(self, words: str) -> None:
        found: list[float] = []
        for token in re.findall(r"-?\d+(?:\.\d+)?|[A-Za-z]+", words):
            if token.lower() in NUMBER_WORDS:
                found.append(NUMBER_WORDS[token.lower()])
            elif token[0].isdigit() or token[0] == "-":
                found.append(float(token))
        self.left = found

    def next(self) -> float | None:
        return self.left.pop(0) if self.left else None


def _object(schema: Mapping[str, Any], words: str, numbers: _Numbers) -> dict[str, Any]:
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = [k for k in schema.get("required") or [] if isinstance(k, str)]
    out: dict[str, Any] = {}
    for key, prop in props.items():
        value = _value(key, prop if isinstance(prop, dict) else {}, words, numbers, key in required)
        if value is not _NOTHING:
            out[key] = value
    for key in required:  # required but not described: a string, as a model would guess
        out.setdefault(key, words)
    return out


_NOTHING = object()


def _kind(prop: Mapping[str, Any]) -> str:
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind is None and isinstance(prop.get("enum"), list):
        return "enum"
    return str(kind or "string")


def _value(key: str, prop: Mapping[str, Any], words: str, numbers: _Numbers, required: bool) -> Any:
    if "const" in prop:
        return prop["const"]
    enum = prop.get("enum")
    if isinstance(enum, list) and enum:
        named = _named_enum(enum, words)
        if named is not _NOTHING:
            return named
        return prop.get("default", enum[0]) if required or "default" in prop else _NOTHING
    kind = _kind(prop)
    if kind in ("integer", "number"):
        n = numbers.next()
        if n is not None:
            return int(n) if kind == "integer" else (int(n) if n.is_integer() else n)
        return prop.get("default", prop.get("minimum", 0)) if required or "default" in prop else _NOTHING
    if kind == "string":
        if _place_like(key, prop):
            found = place(words)
            if found is not None:
                return found
        if "default" in prop:
            return prop["default"]
        return words if required else _NOTHING
    if kind == "object":
        return _object(prop, words, numbers) if required else _NOTHING
    if "default" in prop:
        return prop["default"]
    if not required:
        return _NOTHING
    return {"boolean": False, "array": [], "null": None}.get(kind, words)


def _named_enum(enum: list[Any], words: str) -> Any:
    """The enum value the words name first (case-insensitive, whole words, ``_`` read as a space)."""
    lowered = words.lower()
    best: tuple[int, Any] | None = None
    for value in enum:
        for spelling in {str(value).lower(), str(value).lower().replace("_", " ")}:
            m = re.search(r"(?<![a-z0-9])" + re.escape(spelling) + r"(?![a-z0-9])", lowered)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), value)
    return best[1] if best is not None else _NOTHING


def _place_like(key: str, prop: Mapping[str, Any]) -> bool:
    text = (key + " " + str(prop.get("description") or "")).lower()
    return any(w in re.findall(r"[a-z]+", text) for w in PLACE_WORDS)


def place(words: str) -> str | None:
    """A place named in the words: capitalised words after "in"/"for"/"at"/..., else any capitalised words
    after the first word, else the word after such a preposition (transcripts are lower case)."""
    tokens = re.findall(r"[A-Za-z][A-Za-z'\-]*", words)
    tokens = [t[:-2] if t.endswith("'s") else t for t in tokens]

    def run_from(i: int) -> str | None:
        run = []
        while i < len(tokens) and tokens[i][0].isupper() and tokens[i] != "I":
            run.append(tokens[i])
            i += 1
        return " ".join(run) or None

    for i, t in enumerate(tokens[:-1]):
        if t.lower() in PREPOSITIONS and (found := run_from(i + 1)):
            return found
    for i in range(1, len(tokens)):
        if found := run_from(i):
            return found
    for i, t in enumerate(tokens[:-1]):
        if t.lower() in PREPOSITIONS:
            rest = [w for w in tokens[i + 1 :] if w.lower() not in STOPWORDS]
            if rest:
                return rest[0].capitalize()
    return None
