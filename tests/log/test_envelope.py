"""Audio measured from the line's bytes: the index's payload sizes and ``iter_fold``'s runs agree
with a full parse of every line, whatever the fields around the payload and whatever the damage."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtinspect.log import LogReader, LogWriter
from rtinspect.protocol.audio import AUDIO_FIELDS, b64_decoded_len
from rtinspect.session.state import SessionState, fold
from rtinspect.tap import AudioRun, Tapped

from .conftest import write_log

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# payloads: real base64 (padded or not), and text a damaged or foreign writer could leave there
payloads = st.one_of(
    st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()),
    st.text(alphabet=B64 + "=", max_size=40),
    st.text(alphabet=B64 + '="\\\n\t é\x00{}[],:', max_size=40),
)
scalars = st.one_of(st.none(), st.integers(-5, 5), st.text(alphabet="abc_\"\\{}:,'", max_size=6))
ids = st.sampled_from(["e1", "r1", "i1", "u1"])
extras = st.dictionaries(
    st.sampled_from(["event_id", "response_id", "item_id", "x"]), st.one_of(scalars, ids), max_size=3
)


@st.composite
def audio_events(draw: st.DrawFn) -> tuple[str, dict]:
    type_ = draw(st.sampled_from(sorted(AUDIO_FIELDS)))
    field = AUDIO_FIELDS[type_]
    before, after = draw(extras), draw(extras)
    event: dict = {"type": type_, **before, field: draw(payloads), **after}
    shape = draw(st.integers(0, 9))
    if shape == 0:  # the payload key also inside a nested object after it
        event["nested"] = {field: draw(payloads)}
    elif shape == 1:  # the payload is not a string
        event[field] = draw(scalars)
    elif shape == 2:  # no payload at all
        del event[field]
    return ("client" if type_.startswith("input") else "server"), event


REAL = [
    (
        "server",
        {
            "type": "session.created",
            "session": {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcmu"}}}},
        },
    ),
    ("server", {"type": "response.created", "response": {"id": "r1", "status": "in_progress"}}),
    (
        "server",
        {"type": "response.output_item.added", "response_id": "r1", "item": {"id": "i1", "type": "message"}},
    ),
    (
        "server",
        {"type": "conversation.item.added", "item": {"id": "i1", "type": "message", "role": "assistant"}},
    ),
    ("server", {"type": "input_audio_buffer.committed", "item_id": "u1"}),
    ("server", {"type": "error", "error": {"code": "x", "event_id": "e1"}}),
    ("server", {"type": "response.done", "response": {"id": "r1", "status": "completed"}}),
]
real = st.sampled_from(REAL)
others = st.tuples(
    st.sampled_from(["server", "meta"]), st.builds(lambda t, x: {"type": t, **x}, st.text(max_size=8), extras)
)
sessions = st.lists(st.one_of(audio_events(), audio_events(), others, real), max_size=25)


@st.composite
def damage(draw: st.DrawFn, data: bytes) -> bytes:
    """Cut, splice, insert or flip bytes in the event lines (never the header)."""
    head = data.index(b"\n") + 1
    body = bytearray(data[head:])
    for _ in range(draw(st.integers(0, 3))):
        if not body:
            break
        at = draw(st.integers(0, len(body) - 1))
        op = draw(st.integers(0, 3))
        if op == 0:
            del body[at : at + draw(st.integers(1, 40))]
        elif op == 1:
            body[at:at] = draw(
                st.sampled_from([b'"', b"\\", b"\n", b"}", b'","', b"\xc3\xa9", b"\x00", b"=="])
            )
        elif op == 2:
            body[at] = draw(st.integers(0, 255))
        else:
            end = body.find(b"\n", at)
            if end >= 0:
                del body[end]  # two lines glued together
    return data[:head] + bytes(body)


def _full(reader: LogReader) -> tuple[list[Tapped], set[int]]:
    records = list(reader.iter_records())
    return records, set(reader._damaged)


def _check(path: Path) -> None:
    with LogReader.open(path) as reader:
        cols = reader.columns()
        names = reader.type_names
        for i in range(len(reader)):
            name = names[cols["types"][i]]
            size = int(cols["audio_bytes"][i])
            if size < 0:
                assert not cols["bare"][i]
                continue
            assert name in AUDIO_FIELDS
            if cols["bare"][i]:  # every byte was checked: the line is exactly that event
                event = orjson.loads(reader.raw(i))["event"]
                assert set(event) == {"type", AUDIO_FIELDS[name]} and event["type"] == name
                assert b64_decoded_len(event[AUDIO_FIELDS[name]]) == size
        expected, damaged = _full(reader)
        reader._damaged.clear()
        got: list[Tapped] = []
        for item in reader.iter_fold():
            if isinstance(item, AudioRun):
                assert len(item.sizes) == len(item.times) == len(item.events) > 0
                for k, rec in enumerate(item.records()):
                    assert item.field not in item.events[k]
                    assert b64_decoded_len(rec.event[item.field]) == item.sizes[k]
                    assert item.prefixes is not None  # the index's copy of the payload's start
                    assert item.prefixes[k] == rec.event[item.field][:4].encode()
                    assert rec.type == item.type and rec.dir == item.dir
                    got.append(rec)
            else:
                got.append(item)
        assert got == expected
        assert reader._damaged == damaged


@SETTINGS
@given(events=sessions)
def test_runs_match_a_full_parse(events: list[tuple[str, dict]]) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.jsonl"
        with LogWriter(path) as writer:
            for k, (direction, event) in enumerate(events):
                writer.write(Tapped(k * 0.02, direction, event))  # type: ignore[arg-type]
        _check(path)


@SETTINGS
@given(events=sessions, data=st.data())
def test_damaged_lines_read_as_a_full_parse_reads_them(
    events: list[tuple[str, dict]], data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.jsonl"
        with LogWriter(path) as writer:
            for k, (direction, event) in enumerate(events):
                writer.write(Tapped(k * 0.02, direction, event))  # type: ignore[arg-type]
        path.write_bytes(data.draw(damage(path.read_bytes())))
        _check(path)


@SETTINGS
@given(events=sessions, data=st.data(), hint=st.sampled_from([None, "ga"]))
def test_a_fold_of_runs_equals_a_fold_of_records(
    events: list[tuple[str, dict]], data: st.DataObject, hint: str | None
) -> None:
    """``SessionState.apply_run`` (sizes from the bytes, payloads never read) leaves exactly the
    state that ``apply`` over every whole record leaves, damaged lines included."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.jsonl"
        with LogWriter(path) as writer:
            for k, (direction, event) in enumerate(events):
                writer.write(Tapped(k * 0.02, direction, event))  # type: ignore[arg-type]
        if data.draw(st.booleans()):
            path.write_bytes(data.draw(damage(path.read_bytes())))
        with LogReader.open(path) as reader:
            whole = fold(reader.iter_records(), SessionState(dialect=hint))
            runs = fold(reader.iter_fold(), SessionState(dialect=hint))
            assert vars(runs) == vars(whole)


def test_a_real_session_is_measured_without_parsing(tmp_path: Path) -> None:
    """Appends with nothing but their payload are bare; GA deltas (obfuscation after the payload)
    are measured; both sizes are the decoded payload's."""
    path = tmp_path / "s.jsonl"
    written = write_log(path)
    with LogReader.open(path) as reader:
        cols = reader.columns()
        audio = [i for i, rec in enumerate(written) if rec.type in AUDIO_FIELDS]
        assert audio
        for i in audio:
            payload = written[i].event[AUDIO_FIELDS[written[i].type]]
            assert cols["audio_bytes"][i] == len(base64.b64decode(payload))
            assert bool(cols["bare"][i]) == (set(written[i].event) == {"type", AUDIO_FIELDS[written[i].type]})
        assert all(cols["audio_bytes"][i] == -1 for i in range(len(written)) if i not in audio)
        runs = [x for x in reader.iter_fold() if isinstance(x, AudioRun)]
        assert [r.type for r in runs] == [
            "input_audio_buffer.append",
            "response.output_audio.delta",
        ]
        assert runs[0].start == 3 and len(runs[0]) == 2 and runs[0].events[0] == {"type": runs[0].type}
        assert runs[1].events[0] == {
            "type": "response.output_audio.delta",
            "response_id": "r1",
            "obfuscation": "ab",
        }
