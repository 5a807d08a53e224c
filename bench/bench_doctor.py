"""Benchmark the doctor over a big synthetic session log (1M events by default).

Reuses ``bench/gen_log.py`` (the log helper's generator) to write the log once into ``bench/out/``,
then measures, each in one pass: reading + parsing every event with ``LogReader.iter_records``
(the floor any log consumer pays), and the same pass feeding every event to ``Doctor`` and
finishing. The doctor's own cost is the difference.

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
    parser.add_argument("--log", type=Path, default=None, help="an existing log instead of the synthetic one")
    args = parser.parse_args(argv)

    from bench.gen_log import generate
    from rtinspect.doctor import Doctor
    from rtinspect.log import LogReader

    path = args.log or OUT / f"session-{args.events}.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        generate(path, n_events=args.events)
        print(f"generated {path} in {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    with LogReader.open(path) as reader:
        n = len(reader)
        index_s = time.perf_counter() - start
        start = time.perf_counter()
        for _ in reader.iter_records():
            pass
        parse_s = time.perf_counter() - start

        start = time.perf_counter()
        doctor = Doctor(reader.header.get("dialect"))
        feed = doctor.feed
        for rec in reader.iter_records():
            feed(rec)
        doctor.finish()
        total_s = time.perf_counter() - start

    own = max(total_s - parse_s, 1e-9)
    print(f"log: {path.name}, {n:,} events, {path.stat().st_size / 1e6:.0f} MB (index {index_s:.2f} s)")
    print(f"read+parse only:      {parse_s:6.2f} s  {n / parse_s:12,.0f} events/s")
    print(f"read+parse+doctor:    {total_s:6.2f} s  {n / total_s:12,.0f} events/s")
    print(f"doctor alone (diff):  {own:6.2f} s  {n / own:12,.0f} events/s")
    print(f"findings: {len(doctor.findings)} ({', '.join(sorted({f.code for f in doctor.findings}))})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
