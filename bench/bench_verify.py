"""``rtinspect doctor --verify`` over recordings/: wall time of the re-runs by layout and width.

Layouts, measured in the same run so a busy machine weighs on all alike:
- ``shared``: what ``--verify`` does, every re-run a session of ONE embedded server (one recognizer
  pool, each turn decoded once), ``--jobs N`` of them at a time;
- ``per-worker``: one embedded server (and recognizer) per worker process, the logs split over
  ``N`` processes, each verifying its logs as ``--verify`` does.

Run: ``.venv/bin/python -m bench.bench_verify [--jobs 1,4,8] [FOLDER]``. Prints seconds per layout
and width, and whether every layout gave the same verdicts.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from rtinspect.doctor import diagnose
from rtinspect.doctor.verify import verify_many
from rtinspect.exchange.logio import read_log

REC = Path(__file__).resolve().parents[1] / "recordings"


def _load(paths: list[str]) -> list[tuple[Any, list[Any]]]:
    out = []
    for p in paths:
        log = read_log(p)
        out.append((log, diagnose(log.records, log.dialect)))
    return out


def _verdicts(paths: list[str], jobs: int) -> dict[str, dict[str, str]]:
    items = _load(paths)
    return {
        p: {f"{c}/{k}": v.result for (c, k), v in verdicts.items()}
        for p, verdicts in zip(paths, verify_many(items, jobs), strict=True)
    }


def shared(paths: list[str], jobs: int) -> dict[str, dict[str, str]]:
    return _verdicts(paths, jobs)


def per_worker(paths: list[str], jobs: int) -> dict[str, dict[str, str]]:
    chunks = [paths[i::jobs] for i in range(jobs)]
    out: dict[str, dict[str, str]] = {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for part in pool.map(_verdicts, [c for c in chunks if c], [4] * len(chunks)):
            out.update(part)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(REC))
    parser.add_argument("--jobs", default="1,4,8")
    args = parser.parse_args()
    paths = sorted(str(p) for p in Path(args.folder).glob("*.jsonl"))
    widths = [int(j) for j in args.jobs.split(",")]
    seen: dict[str, dict[str, dict[str, str]]] = {}
    for name, run, ws in (
        ("shared", shared, widths),
        ("per-worker", per_worker, [w for w in widths if w > 1]),
    ):
        for jobs in ws:
            t = time.perf_counter()
            seen[f"{name} x{jobs}"] = run(paths, jobs)
            print(
                f"{name:10s} jobs {jobs:2d}: {time.perf_counter() - t:6.1f} s for {len(paths)} logs",
                flush=True,
            )
    runs = list(seen.values())
    same = all(r == runs[0] for r in runs)
    print("verdicts the same in every layout:", same)
    if not same:
        for label, r in seen.items():
            diff = {p: v for p, v in r.items() if v != runs[0].get(p)}
            if diff:
                print(" ", label, diff)


if __name__ == "__main__":
    main()
