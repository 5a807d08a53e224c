"""Fuzz the HAR importer: any JSON in a HAR's shape either imports or is refused with a UserError
(one line, exit 2), never another exception. ``RTINSPECT_FUZZ_EXAMPLES`` raises the example count
for a long run (CI runs the default)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtinspect.errors import UserError
from rtinspect.exchange.importer import import_file

EXAMPLES = int(os.environ.get("RTINSPECT_FUZZ_EXAMPLES", "300"))
KEYS = [
    "log", "entries", "request", "response", "url", "headers", "name", "value", "_resourceType",
    "_webSocketMessages", "type", "time", "opcode", "data", "startedDateTime", "events", "event",
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.sampled_from(["send", "receive", "wss://api.openai.com/v1/realtime?model=m", "realtime", "websocket",
                     '{"type":"session.created"}', '{"type":', "AAAA", "2025-11-24T16:00:00Z", "x"]),
    st.text(max_size=20),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=5),
    max_leaves=25,
)
frame = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["send", "receive", "other"]) | json_values,
        "time": st.floats(allow_nan=True, allow_infinity=True) | json_values,
        "opcode": st.sampled_from([1, 2]) | json_values,
        "data": st.sampled_from(['{"type":"session.created"}', '{"type":"x","k":"sk-abcdefgh12345"}', "AAAA", "%%"]) | json_values,
    },
)  # fmt: skip
entry = st.fixed_dictionaries(
    {},
    optional={
        "request": json_values | st.fixed_dictionaries(
            {}, optional={"url": json_values | st.just("wss://h/v1/realtime?model=m&api-key=k123456"),
                          "headers": json_values | st.lists(st.fixed_dictionaries({"name": json_values, "value": json_values}), max_size=3)},
        ),
        "_webSocketMessages": json_values | st.lists(frame | json_values, max_size=6),
        "startedDateTime": json_values,
    },
)  # fmt: skip
har_doc = st.fixed_dictionaries({"log": st.fixed_dictionaries({"entries": st.lists(entry | json_values, max_size=4) | json_values})})


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(doc=har_doc)
def test_har_importer_never_crashes(tmp_path_factory, doc) -> None:
    folder = tmp_path_factory.mktemp("har")
    src = folder / "in.har"
    src.write_text(json.dumps(doc))
    try:
        results = import_file(src, folder / "out.jsonl")
    except UserError as err:
        assert "\n" not in str(err)
        return
    for _session, path in results:
        assert path.read_bytes().endswith(b"\n")


def test_entry_whose_request_is_not_an_object_imports(tmp_path: Path) -> None:
    """The crash the first fuzz run found: ``request`` a string, not an object (was exit 70)."""
    frames = [{"type": "receive", "time": 1.0, "opcode": 1, "data": '{"type":"session.created"}'}]
    src = tmp_path / "x.har"
    src.write_text(json.dumps({"log": {"entries": [{"request": "GET", "_webSocketMessages": frames}]}}))
    done = subprocess.run(
        [sys.executable, "-m", "rtinspect", "import", str(src)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "1 server events" in done.stdout


def test_bad_shapes_are_one_line_and_exit_2(tmp_path: Path) -> None:
    cases = {
        "entries-not-list.har": json.dumps({"log": {"entries": {"a": 1}}}),
        "no-socket.har": json.dumps({"log": {"entries": [{"request": 5}]}}),
        "array-of-numbers.json": "[1, 2, 3]",
        "binary.json": "\x00\x01\x02garbage",
        "cut.json": '[{"type": "session.created"',
        "empty.jsonl": "\n\n",
    }
    for name, text in cases.items():
        src = tmp_path / name
        src.write_text(text)
        done = subprocess.run(
            [sys.executable, "-m", "rtinspect", "import", str(src)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, (name, done.stderr)
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("rtinspect: "), (name, done.stderr)
        assert "Traceback" not in done.stderr
