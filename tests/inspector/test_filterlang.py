"""The filter language: any filter tree printed and parsed again is the same tree (hypothesis),
anything typed either parses or fails with FilterError (never another exception), and the
matcher agrees with a plain per-event evaluation of the same tree."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sessions import broken_session

from rtinspect.inspector import filterlang as fl
from rtinspect.inspector.model import SessionModel

WORD = st.from_regex(r"[a-z][a-z_]{0,8}(\.[a-z_*]{1,8}){0,2}", fullmatch=True).filter(
    lambda w: w not in fl.KEYWORDS | set(fl.DIRECTIONS) | {"error"}
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
REGEX = st.sampled_from(["weath?er", "a/b", r"\d+ ms", "^x", "you said"])

LEAF = st.one_of(
    WORD.map(fl.Type),
    st.sampled_from(fl.DIRECTIONS).map(fl.Dir),
    st.just(fl.Error()),
    st.from_regex(r"(item|resp)_[A-Za-z0-9]{1,8}", fullmatch=True).map(fl.Id),
    TEXT.map(fl.Text),
    REGEX.map(fl.Regex),
    WORD.map(lambda w: fl.Type(w + "*")),
)
TREE = st.recursive(
    LEAF,
    lambda kids: st.one_of(
        kids.map(fl.Not),
        st.tuples(kids, kids).map(lambda t: fl.And(*t)),
        st.tuples(kids, kids).map(lambda t: fl.Or(*t)),
    ),
    max_leaves=8,
)


def _flat(node: fl.Node) -> fl.Node:
    """And/Or are associative: compare trees with their chains flattened left-first."""
    if isinstance(node, fl.Not):
        return fl.Not(_flat(node.child))
    if isinstance(node, (fl.And, fl.Or)):
        kind = type(node)
        items: list[fl.Node] = []

        def walk(n: fl.Node) -> None:
            if isinstance(n, kind):
                walk(n.left)
                walk(n.right)
            else:
                items.append(_flat(n))

        walk(node)
        out = items[0]
        for item in items[1:]:
            out = kind(out, item)
        return out
    return node


@settings(max_examples=300, deadline=None)
@given(TREE)
def test_printed_trees_parse_back_to_the_same_tree(tree: fl.Node) -> None:
    text = fl.to_text(tree)
    assert _flat(fl.parse(text)) == _flat(tree), text


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_anything_typed_parses_or_says_why(text: str) -> None:
    try:
        fl.parse(text)
    except fl.FilterError as err:
        assert str(err) and "\n" not in str(err)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("response.*", fl.Type("response.*")),
        ("transcription", fl.Type("transcription")),
        ("client error", fl.And(fl.Dir("client"), fl.Error())),
        ("a or b c", fl.Or(fl.Type("a"), fl.And(fl.Type("b"), fl.Type("c")))),
        ("!server & (x | y)", fl.And(fl.Not(fl.Dir("server")), fl.Or(fl.Type("x"), fl.Type("y")))),
        ('id:item_1 "You said"', fl.And(fl.Id("item_1"), fl.Text("You said"))),
        ("/sa[iy]d/", fl.Regex("sa[iy]d")),
        ("dir:meta", fl.Dir("meta")),
        ("type:error", fl.Type("error")),
    ],
)
def test_examples(text: str, tree: fl.Node) -> None:
    assert fl.parse(text) == tree


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("(a", "never closed"),
        ('"open', "unclosed quote"),
        ("a and", "ends"),
        ("/[/", "bad regex"),
        ("a )", "unexpected"),
    ],
)
def test_errors_say_why(text: str, says: str) -> None:
    with pytest.raises(fl.FilterError, match=re.escape(says)):
        fl.parse(text)


def _by_hand(model: SessionModel, node: fl.Node, i: int) -> bool:
    rec = model.index.rec(i)
    if isinstance(node, fl.Type):
        return bool(len(fl.type_codes_matching([rec.type], node.pattern)))
    if isinstance(node, fl.Dir):
        return rec.dir == node.direction
    if isinstance(node, fl.Error):
        return model.is_error(i) or model.flagged.get(i) == "error"
    if isinstance(node, fl.Not):
        return not _by_hand(model, node.child, i)
    if isinstance(node, fl.And):
        return _by_hand(model, node.left, i) and _by_hand(model, node.right, i)
    if isinstance(node, fl.Or):
        return _by_hand(model, node.left, i) or _by_hand(model, node.right, i)
    if rec.type in fl.AUDIO_TYPES:
        return False
    raw = model.index.raw(i)
    if isinstance(node, fl.Id):
        return f'"{node.value}"'.encode() in raw
    if isinstance(node, fl.Text):
        return node.value.lower().encode() in raw.lower()
    return re.search(node.pattern.encode(), raw, re.IGNORECASE) is not None


@pytest.mark.parametrize(
    "text",
    [
        "response.*",
        "client and not *append*",
        "error",
        "id:item_1",
        '"you said"',
        "/commit_em+pty/ or server.* or meta",
        "not (server or meta) and session",
    ],
)
def test_matcher_agrees_with_a_plain_evaluation(text: str) -> None:
    model = SessionModel(live=True)
    model.ingest(broken_session())
    node = fl.parse(text)
    assert node is not None
    mask = fl.Matcher(node, model.index, model.error_events).mask(0, len(model.index))
    expected = [_by_hand(model, node, i) for i in range(len(model.index))]
    assert mask.tolist() == expected and any(expected)
