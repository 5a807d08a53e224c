"""Benchmark the log reader on a big synthetic session, beside a naive json.loads baseline.

Each measurement runs in its own subprocess so its peak RSS is its own. The log is generated once
into ``bench/out/`` (git-ignored) and reused; the page cache is warm after generation.

    python -m bench.bench_log                  # 1M events (~1 GB)
    python -m bench.bench_log --events 20000   # smoke run
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
TARGETS = {"index": 500.0, "first": 1.0, "fold": 250_000.0, "rss": 300.0}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fold():
    """The session reducer when it is built, else None (the bench then only parses)."""
    try:
        from rtinspect.session.state import fold
    except ImportError:
        return None
    return fold


def step(name: str, path: Path) -> dict[str, float | str]:
    """One measurement, run inside a child process."""
    import numpy as np

    from rtinspect.log import LogReader

    size = path.stat().st_size
    base_rss = _rss_mb()
    res: dict[str, float | str] = {"base_rss": base_rss}
    if name == "index":
        t0 = time.perf_counter()
        reader = LogReader.open(path)
        took = time.perf_counter() - t0
        res |= {"seconds": took, "mb_s": size / 1e6 / took, "events": len(reader)}
    elif name == "first":
        t0 = time.perf_counter()
        reader = LogReader.open(path, lazy=True)
        first = reader[0]
        took = time.perf_counter() - t0
        res |= {"seconds": took, "type": first.type}
        t0 = time.perf_counter()
        while not reader.index_more(64 << 20):
            pass
        res["rest"] = time.perf_counter() - t0
    elif name == "random":
        reader = LogReader.open(path)
        rng = np.random.default_rng(1)
        picks = rng.integers(0, len(reader), 1000)
        t0 = time.perf_counter()
        for i in picks:
            reader[int(i)]
        res["seconds"] = time.perf_counter() - t0
    elif name == "parse":
        reader = LogReader.open(path)
        t0 = time.perf_counter()
        n = 0
        for _ in reader.iter_records():
            n += 1
        took = time.perf_counter() - t0
        res |= {"seconds": took, "ev_s": n / took}
    elif name == "fold":
        reader = LogReader.open(path)
        fold = _fold()
        t0 = time.perf_counter()
        if fold is None:
            n = sum(1 for _ in reader.iter_records())
            res["what"] = "iterate+parse only (rtinspect.session.state.fold not importable)"
        else:
            fold(reader.iter_records())
            n = len(reader)
            res["what"] = "iter_records + rtinspect.session.state.fold"
        took = time.perf_counter() - t0
        res |= {"seconds": took, "ev_s": n / took}
    elif name == "apply":
        # The reducer alone: records are parsed in batches outside the clock, only apply() is timed.
        from itertools import islice

        from rtinspect.session.state import SessionState

        reader = LogReader.open(path)
        state = SessionState()
        records = reader.iter_records()
        took, n = 0.0, 0
        while batch := list(islice(records, 50_000)):
            apply = state.apply
            t0 = time.perf_counter()
            for rec in batch:
                apply(rec)
            took += time.perf_counter() - t0
            n += len(batch)
        res |= {"seconds": took, "ev_s": n / took}
    elif name == "naive_index":
        t0 = time.perf_counter()
        rows = []
        with open(path, "rb") as f:
            f.readline()
            for line in iter(f.readline, b""):
                obj = json.loads(line)
                rows.append((obj["t"], obj["dir"], obj["type"]))
        took = time.perf_counter() - t0
        res |= {"seconds": took, "mb_s": size / 1e6 / took, "events": len(rows)}
    elif name == "naive_fold":
        from rtinspect.tap import Tapped

        fold = _fold()
        count = [0]

        def records():
            with open(path, "rb") as f:
                f.readline()
                for line in iter(f.readline, b""):
                    obj = json.loads(line)
                    count[0] += 1
                    yield Tapped(obj["t"], obj["dir"], obj["event"])

        t0 = time.perf_counter()
        if fold is None:
            for _ in records():
                pass
        else:
            fold(records())
        took = time.perf_counter() - t0
        res |= {"seconds": took, "ev_s": count[0] / took}
    else:
        raise SystemExit(f"unknown step {name}")
    res["rss"] = _rss_mb()
    return res


def run_step(name: str, path: Path) -> dict[str, float | str]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_log", "--step", name, str(path)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    if out.returncode != 0:
        raise SystemExit(f"step {name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--log", type=Path, default=None, help="use this log instead of generating one")
    parser.add_argument("--regen", action="store_true", help="generate the log again")
    parser.add_argument("--step", default=None, help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(step(args.step, args.path)))
        return 0

    path = args.log or OUT / f"session-{args.events}.jsonl"
    if args.log is None and (args.regen or not path.exists()):
        from bench.gen_log import generate

        OUT.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        n, nbytes = generate(path, n_events=args.events)
        took = time.perf_counter() - t0
        print(
            f"generated {n:,} events, {nbytes / 1e6:,.0f} MB in {took:.1f} s ({n / took:,.0f} events/s via LogWriter)"
        )
    size_mb = path.stat().st_size / 1e6
    r = {
        name: run_step(name, path)
        for name in ("index", "first", "random", "parse", "fold", "apply", "naive_index", "naive_fold")
    }
    events = int(r["index"]["events"])
    print(f"\n{path.name}: {events:,} events, {size_mb:,.0f} MB (warm page cache; each row its own process)")
    print(f"interpreter + imports alone: {r['index']['base_rss']:.0f} MB RSS\n")
    rows = [
        (
            "index (open, full)",
            f"{r['index']['mb_s']:,.0f} MB/s ({r['index']['seconds']:.2f} s)",
            f"{r['naive_index']['mb_s']:,.0f} MB/s ({r['naive_index']['seconds']:.2f} s)",
            f">= {TARGETS['index']:.0f} MB/s",
            r["index"]["mb_s"] >= TARGETS["index"],
        ),
        (
            "first event (lazy open)",
            f"{r['first']['seconds']:.3f} s",
            f"{r['naive_index']['seconds']:.2f} s",
            f"< {TARGETS['first']:.0f} s",
            r["first"]["seconds"] < TARGETS["first"],
        ),
        ("  rest of lazy index", f"{r['first']['rest']:.2f} s", "", "", None),
        ("1000 random reads", f"{r['random']['seconds'] * 1000:.1f} ms", "", "", None),
        (
            "fold",
            f"{r['fold']['ev_s']:,.0f} ev/s ({r['fold']['seconds']:.2f} s)",
            f"{r['naive_fold']['ev_s']:,.0f} ev/s ({r['naive_fold']['seconds']:.2f} s)",
            f">= {TARGETS['fold']:,.0f} ev/s",
            r["fold"]["ev_s"] >= TARGETS["fold"],
        ),
        (
            "  reducer alone (apply)",
            f"{r['apply']['ev_s']:,.0f} ev/s ({r['apply']['seconds']:.2f} s)",
            "",
            f">= {TARGETS['fold']:,.0f} ev/s",
            r["apply"]["ev_s"] >= TARGETS["fold"],
        ),
        (
            "  read+parse alone",
            f"{r['parse']['ev_s']:,.0f} ev/s ({r['parse']['seconds']:.2f} s)",
            "",
            "",
            None,
        ),
        (
            "peak RSS index",
            f"{r['index']['rss']:.0f} MB",
            f"{r['naive_index']['rss']:.0f} MB",
            f"< {TARGETS['rss']:.0f} MB",
            r["index"]["rss"] < TARGETS["rss"],
        ),
        (
            "peak RSS fold",
            f"{r['fold']['rss']:.0f} MB",
            f"{r['naive_fold']['rss']:.0f} MB",
            f"< {TARGETS['rss']:.0f} MB",
            r["fold"]["rss"] < TARGETS["rss"],
        ),
    ]
    widths = [24, 26, 26, 16]
    head = ("step", "rtinspect.log", "naive readline+json.loads", "target")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + "  ok")
    for name, ours, naive, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(
            "  ".join(c.ljust(w) for c, w in zip((name, ours, naive, target), widths, strict=True))
            + "  "
            + mark
        )
    print(f"\nfold row measures: {r['fold']['what']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
