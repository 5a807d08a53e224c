"""The doctor's own cost over a real-shaped log: read + fold alone, then read + fold + rules.

The log is ``bench/gen_realistic.py``'s (generated once into ``bench/out/``). Both passes read it
as ``rtinspect doctor`` does (``LogReader.iter_fold``: audio in runs, payloads unread); the
difference is what the rules add. CPU time is printed beside wall time (a loaded machine moves
wall time most). ``bench/bench_log.py`` has the end-to-end figures beside the naive baseline.

    python -m bench.bench_doctor                 # 1M events
    python -m bench.bench_doctor --events 50000  # smoke run
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--log", type=Path, default=None, help="an existing log instead of the generated one")
    args = parser.parse_args(argv)

    from bench.gen_realistic import generate
    from rtinspect.doctor import Doctor
    from rtinspect.log import LogReader
    from rtinspect.session.state import SessionState, fold
    from rtinspect.tap import AudioRun

    path = args.log or OUT / f"realistic-{args.events}.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        generate(path, args.events)

    with LogReader.open(path) as reader:
        n = len(reader)
        dialect = reader.header.get("dialect")
        w, c = time.perf_counter(), time.process_time()
        fold(reader.iter_fold(), SessionState(dialect=dialect))
        fold_w, fold_c = time.perf_counter() - w, time.process_time() - c

        w, c = time.perf_counter(), time.process_time()
        doctor = Doctor(dialect)
        feed, feed_run = doctor.feed, doctor.feed_run
        for item in reader.iter_fold():
            if item.__class__ is AudioRun:
                feed_run(item)  # type: ignore[arg-type]
            else:
                feed(item)  # type: ignore[arg-type]
        doctor.finish()
        doc_w, doc_c = time.perf_counter() - w, time.process_time() - c

    print(f"log: {path.name}, {n:,} events, {path.stat().st_size / 1e6:,.0f} MB")
    print(
        f"read + fold:          {fold_w:6.2f} s wall, {fold_c:6.2f} s cpu  {n / fold_c:12,.0f} events/s (cpu)"
    )
    print(f"read + fold + rules:  {doc_w:6.2f} s wall, {doc_c:6.2f} s cpu  {n / doc_c:12,.0f} events/s (cpu)")
    print(f"rules alone (diff):   {doc_c - fold_c:6.2f} s cpu")
    print(f"findings: {len(doctor.findings)} ({', '.join(sorted({f.code for f in doctor.findings}))})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
