"""Comparing big sessions: ``replay --compare`` of a 1M-event log, the compare step alone, and the
first screen of ``open BIG --compare BIG2`` on two 1M-event logs; wall time and peak RSS of each, in
its own process, beside a baseline commit's figures from the same run.

Rows (``this tree`` and ``baseline REF`` for each):

- ``replay``: ``rtinspect replay LOG --as-fast-as-possible --compare --record OUT`` (the embedded
  server answering; the replay's own rate is printed from its output);
- ``compare``: the compare step alone, ``replay.compare.compare`` of the log against a replay
  recording of it (``read_log(...).records`` both: the call both trees have);
- ``open``: ``open BIG --compare BIG2`` run headless at 160x45: seconds until the first page of
  turns is drawn, until the first divergence is selected, and until the scan (and the
  differences) are complete; peak RSS over all of it.

A baseline that cannot finish in bounded time (the old replay --compare aligned all server event
types of both sessions with one ``difflib`` call, quadratic) is stopped at ``--timeout`` and
reported as "at least"; ``--small`` adds each row on a slice of the log (``gen_realistic
--events``) where the baseline finishes.

    python -m bench.bench_compare --log /work/bench-data/realistic-1000000.jsonl --baseline 206bb94
    python -m bench.bench_compare --events 50000 --baseline 206bb94     # smoke run, generated logs

Inputs are generated under ``bench/out`` (git-ignored) unless given.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.bench_memory import TARGET_MB, measure_argv

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

# Run headless in the measured process: the compare view's first screen, divergence and end.
OPEN_DRIVER = r"""
import asyncio, json, sys, time
t0 = time.monotonic()
from textual.widgets import DataTable
from rtinspect.inspector.compare import compare_logs
from rtinspect.tui.screens.compare import CompareApp

c = compare_logs(sys.argv[1], sys.argv[2])
app = CompareApp(c)
out = {}

async def main():
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one(DataTable)
        while table.row_count == 0:
            await asyncio.sleep(0.02)
        await pilot.pause()
        out["first_screen_s"] = time.monotonic() - t0
        while getattr(c, "first_divergence", 0) is None and not getattr(c, "scanned", True):
            await asyncio.sleep(0.05)
        out["divergence_s"] = time.monotonic() - t0
        while not getattr(c, "done", True):
            await asyncio.sleep(0.1)
        out["complete_s"] = time.monotonic() - t0
        out["differences"] = len(c.differences or [])

asyncio.run(main())
print(json.dumps(out))
"""

COMPARE_DRIVER = r"""
import json, sys, time
t0 = time.monotonic()
from rtinspect.exchange.logio import read_log
from rtinspect.replay.compare import compare
d = compare(read_log(sys.argv[1]).records, read_log(sys.argv[2]).records)
print(json.dumps({"differences": len(d), "s": time.monotonic() - t0}))
"""


def run_python(
    code: str, args: list[str], tree: str | None, *, timeout: float, cap_mb: float, env: dict[str, str]
) -> tuple[float, float, str, str]:
    """(peak RSS MB, seconds, how it ended, stdout) of ``python -c CODE ARGS`` in ``tree``."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(code)
    try:
        out = Path(f.name).with_suffix(".out")
        rss, took, how = measure_argv(
            [f.name, *args],
            pythonpath=tree,
            cap_mb=cap_mb,
            timeout=timeout,
            env=env,
            stdout=out,
            quiet_codes=(0, 1),
        )
        text = out.read_text() if out.exists() else ""
        out.unlink(missing_ok=True)
        return rss, took, how, text
    finally:
        os.unlink(f.name)


def ensure_log(path: Path, events: int, seed: int) -> Path:
    if not path.exists():
        subprocess.run([sys.executable, "-m", "bench.gen_realistic", str(path), "--events", str(events), "--seed", str(seed)], cwd=ROOT, check=True)  # fmt: skip
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--log", type=Path, help="the 1M-event log (default: generated under bench/out)")
    p.add_argument("--log2", type=Path, help="a second log for open --compare (default: generated, seed 2)")
    p.add_argument("--events", type=int, default=1_000_000, help="events of the generated logs")
    p.add_argument("--small", type=int, default=200_000, help="events of the slice the baseline also runs")
    p.add_argument("--baseline", metavar="REF", help="also run on this commit (e.g. the previous main)")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--cap-mb", type=float, default=3000)
    p.add_argument("--only", nargs="*", default=None, help="replay compare open")
    args = p.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")}
    args.log = args.log.resolve() if args.log else None  # the baseline runs in its own folder
    args.log2 = args.log2.resolve() if args.log2 else None
    big = args.log or ensure_log(OUT / f"cmp-{args.events}-s1.jsonl", args.events, 1)
    big2 = args.log2 or ensure_log(OUT / f"cmp-{args.events}-s2.jsonl", args.events, 2)
    inputs = [("given" if args.log else f"{args.events // 1000}k", big, big2)]
    if args.small:
        inputs.append((f"{args.small // 1000}k", ensure_log(OUT / f"cmp-{args.small}-s1.jsonl", args.small, 1), ensure_log(OUT / f"cmp-{args.small}-s2.jsonl", args.small, 2)))  # fmt: skip
    trees: list[tuple[str, str | None]] = [("this tree", None)]
    base_tree = None
    if args.baseline:
        base_tree = Path(tempfile.mkdtemp(prefix="rtinspect-bench-cmp-")) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base_tree), args.baseline], check=True)  # fmt: skip
        trees.append((f"baseline {args.baseline}", str(base_tree)))
    want = set(args.only or ["replay", "compare", "open"])
    print(f"{'row':<8} {'log':<6} {'tree':<20} {'peak RSS':>10} {'wall':>8}  result")
    try:
        for size, log, log2 in inputs:
            recording = OUT / f"{log.stem}.replay.jsonl"
            for label, tree in trees:
                if "replay" in want:
                    rec = OUT / f"{log.stem}.replay-{'base' if tree else 'this'}.jsonl"
                    rec.unlink(missing_ok=True)
                    out = OUT / "replay.stdout"
                    rss, took, how = measure_argv(
                        ["-m", "rtinspect", "replay", str(log), "--as-fast-as-possible", "--compare", "--record", str(rec)],
                        pythonpath=tree, cap_mb=args.cap_mb, timeout=args.timeout, env=env, stdout=out,
                        quiet_codes=(0, 1),  # replay --compare exits 1 when the answers differ
                    )  # fmt: skip
                    text = out.read_text() if out.exists() else ""
                    m = re.search(r"replayed (\d+) client events.*?: (\d+) server events", text)
                    rate = (
                        f"; {int(m.group(1)):,} client events sent, {int(m.group(2)):,} server events"
                        if m
                        else ""
                    )
                    _row("replay", size, label, rss, took, how + rate, tree)
                    if tree is None and rec.exists():
                        shutil.move(rec, recording)  # the compare row's input: this tree's recording
                    else:
                        rec.unlink(missing_ok=True)
                if "compare" in want and recording.exists():
                    rss, took, how, text = run_python(COMPARE_DRIVER, [str(log), str(recording)], tree, timeout=args.timeout, cap_mb=args.cap_mb, env=env)  # fmt: skip
                    _row("compare", size, label, rss, took, how + _json_tail(text), tree)
                if "open" in want:
                    rss, took, how, text = run_python(OPEN_DRIVER, [str(log2), str(log)], tree, timeout=args.timeout, cap_mb=args.cap_mb, env=env)  # fmt: skip
                    _row("open", size, label, rss, took, how + _json_tail(text), tree)
    finally:
        if base_tree is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_tree)], capture_output=True)  # fmt: skip


def _json_tail(text: str) -> str:
    for line in reversed(text.strip().splitlines()):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        return "; " + ", ".join(
            f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in data.items()
        )
    return ""


def _row(name: str, size: str, label: str, rss: float, took: float, how: str, tree: str | None) -> None:
    mark = "" if tree else ("  ok" if rss <= TARGET_MB else f"  OVER {TARGET_MB} MB")
    at_least = ">=" if how.startswith("stopped") else "  "
    print(
        f"{name:<8} {size:<6} {label:<20} {at_least}{rss:7.0f} MB {at_least}{took:6.1f}s  {how}{mark}",
        flush=True,
    )


if __name__ == "__main__":
    main()
