"""``rtinspect doctor`` reads a log's audio in runs measured from the bytes (payloads unread): it
must find exactly what feeding every whole record finds. (Every ``Synth`` session checks the same
in ``synth.Synth.diagnose``.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from rtinspect.doctor import Doctor
from rtinspect.log import LogReader
from rtinspect.tap import AudioRun

RECORDINGS = sorted((Path(__file__).resolve().parents[2] / "recordings").glob("*.jsonl"))


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_runs_diagnose_like_whole_records(path: Path) -> None:
    with LogReader.open(path) as reader:
        dialect = reader.header.get("dialect")
        whole = Doctor(dialect)
        appends = 0
        for rec in reader.iter_records():
            appends += rec.type == "input_audio_buffer.append"
            whole.feed(rec)
        whole.finish()
        runs = Doctor(dialect)
        n_runs = 0
        for item in reader.iter_fold():
            if isinstance(item, AudioRun):
                n_runs += 1
                runs.feed_run(item)
            else:
                runs.feed(item)
        runs.finish()
        assert n_runs > 0 or appends == 0  # sessions refused at connect time send no audio
        assert runs.findings == whole.findings
        assert runs.events_seen == whole.events_seen
        assert vars(runs.state) == vars(whole.state)
        for a, b in zip(runs.rules, whole.rules, strict=True):  # rule state too (tails read back)
            va, vb = dict(vars(a)), dict(vars(b))
            if "tail" in va:
                ta, tb = va.pop("tail"), vb.pop("tail")
                assert [(p, a if isinstance(a, str) else a(), n) for p, a, n in ta] == list(tb)
            assert va == vb, type(a).__name__
