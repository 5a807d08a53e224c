"""Speed over a big real-shaped log: index, fold, `rtinspect doctor`, `rtinspect open`, beside a naive loop.

Every figure is measured in its own process, in the same run as the naive baseline
(``for line in f: json.loads(line)`` over the same file), and, with ``--baseline VENV``, beside
the same step run by another checkout's virtualenv (e.g. main before a change), so load on the
shared machine hits both alike. Wall time and CPU time (user + system) are printed: on a
machine other processes load, CPU time is the steadier of the two. The load average is printed
with each row.

    python bench/bench_log.py                                   # bench/out/realistic-1000000.jsonl
    python bench/bench_log.py --baseline /tmp/base/.venv        # beside another checkout
    python bench/bench_log.py --log some.jsonl --events 20000   # any log / a smaller generated one

Rows:
- naive: ``json.loads`` of every line of the file, nothing kept.
- index: ``LogReader.open(path)`` until every line is indexed (MB/s of the file).
- fold: ``SessionState`` over every event after the index (events/s): ``iter_fold`` runs where
  the checkout has them, else ``iter_records``.
- doctor: ``rtinspect doctor LOG > /dev/null`` as a user runs it (interpreter start included);
  peak RSS from ``/usr/bin/time``.
- open's background fold: what ``rtinspect open`` folds in its worker once the log is indexed
  (``pointfold.fold_log``: state, doctor, levels, checkpoints, the copies it hands the UI), without
  Textual; peak RSS of that process.
- open: ``rtinspect open LOG`` in a 160x45 tmux window: seconds from launch until the first
  event row is on screen, then the peak RSS (VmHWM) once indexing and the background fold have
  settled (RSS flat for 3 s) or 120 s have passed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
OUT = HERE.parent / "out"
TARGETS = (
    "targets: doctor <= 3 s and <= 0.3x naive; fold >= 500k ev/s; open first screen <= 1 s, peak RSS <= 90 MB"
)


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def step(name: str, path: Path) -> dict[str, float | str]:
    """One measurement, inside a child process of the checkout being measured."""
    size = path.stat().st_size
    if name in ("index", "fold"):  # imports (numpy ...) are not the step's work
        import rtinspect.log.reader  # noqa: F401
        import rtinspect.session.state  # noqa: F401
    w0, c0 = time.perf_counter(), _cpu()
    res: dict[str, float | str] = {}
    if name == "naive":
        n = 0
        with open(path, "rb") as f:
            for line in f:
                json.loads(line)
                n += 1
        res["events"] = n - 1
    elif name == "index":
        from rtinspect.log import LogReader

        reader = LogReader.open(path)
        res["events"] = len(reader)
    elif name == "fold":
        from rtinspect.log import LogReader
        from rtinspect.session.state import SessionState, fold

        reader = LogReader.open(path)
        w0, c0 = time.perf_counter(), _cpu()
        if hasattr(SessionState, "apply_run"):
            fold(reader.iter_fold())
            res["what"] = "iter_fold"
        else:
            fold(reader.iter_records())
            res["what"] = "iter_records"
        res["events"] = len(reader)
    elif name == "tuifold":  # what `rtinspect open` does behind the first screen, without Textual
        from rtinspect.inspector.loader import open_model
        from rtinspect.inspector.pointfold import fold_log

        model, reader = open_model(path)
        while not reader.index_more():
            pass
        model.index.refresh_columns()
        w0, c0 = time.perf_counter(), _cpu()
        for report in fold_log(model.index, model.checkpoints):
            model.adopt(report)  # the UI keeps each report's fold, as the app does
        res["events"] = model.fold.upto
        res["checkpoints_mb"] = model.checkpoints.size / 1e6
    else:
        raise SystemExit(f"unknown step {name}")
    res["wall"] = time.perf_counter() - w0
    res["cpu"] = _cpu() - c0
    res["mb"] = size / 1e6
    res["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return res


def run_step(python: str, name: str, path: Path) -> dict[str, float | str]:
    load = _load()
    out = subprocess.run(
        [python, str(HERE), "--step", name, str(path)], capture_output=True, text=True, cwd="/tmp"
    )
    if out.returncode != 0:
        raise SystemExit(f"step {name} ({python}) failed:\n{out.stderr}")
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load": load}


def run_doctor(venv: Path, path: Path) -> dict[str, float | str]:
    """``rtinspect doctor LOG`` as a user runs it, under /usr/bin/time (wall, CPU, peak RSS)."""
    load = _load()
    timing = Path("/tmp") / f"bench-doctor-{os.getpid()}.txt"
    subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "%e %U %S %M",
            "-o",
            str(timing),
            str(venv / "bin" / "rtinspect"),
            "doctor",
            str(path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd="/tmp",
    )
    wall, user, system, rss_kb = timing.read_text().split()[-4:]
    timing.unlink()
    return {"wall": float(wall), "cpu": float(user) + float(system), "rss": int(rss_kb) / 1024, "load": load}


def _vm(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_open(venv: Path, path: Path) -> dict[str, float | str]:
    """``rtinspect open LOG`` in tmux: time to the first event row on screen, then peak RSS."""
    if not shutil.which("tmux"):
        return {"error": "tmux not installed"}
    load = _load()
    session = f"bench-open-{os.getpid()}"
    cmd = f"exec {venv / 'bin' / 'rtinspect'} open {path}"
    t0 = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "45", cmd], check=True)
    try:
        pid = int(
            subprocess.run(
                ["tmux", "display", "-p", "-t", session, "#{pane_pid}"], capture_output=True, text=True
            ).stdout
        )
        first = None
        while time.perf_counter() - t0 < 60:
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            if "session.created" in screen or "input_audio_buffer" in screen:
                first = time.perf_counter() - t0
                break
            time.sleep(0.01)
        rss_first = _vm(pid, "VmHWM")
        last, still = -1.0, time.perf_counter()
        while time.perf_counter() - t0 < 120:
            now = _vm(pid, "VmHWM")
            if now != last:
                last, still = now, time.perf_counter()
            elif time.perf_counter() - still > 3:
                break
            time.sleep(0.1)
        return {
            "first": first if first is not None else float("nan"),
            "rss_first": rss_first,
            "rss": last,
            "load": load,
        }
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def _row(name: str, cells: list[str]) -> str:
    return "  ".join([name.ljust(22), *(c.ljust(34) for c in cells)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--log", type=Path, default=None, help="an existing log instead of the generated one")
    parser.add_argument(
        "--baseline", type=Path, default=None, help="virtualenv of the checkout to compare with"
    )
    parser.add_argument(
        "--skip", default="", help="comma-separated rows to leave out (index,fold,tuifold,doctor,open)"
    )
    parser.add_argument("--step", default=None, help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(step(args.step, args.path)))
        return 0

    path = (args.log or OUT / f"realistic-{args.events}.jsonl").resolve()
    if not path.exists():
        sys.path.insert(0, str(HERE.parents[1]))
        from bench.gen_realistic import generate

        path.parent.mkdir(parents=True, exist_ok=True)
        generate(path, args.events)
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL)  # warm the page cache
    skip = set(args.skip.split(",")) - {""}
    here = Path(sys.executable).parent.parent  # the virtualenv running this script
    venvs = [("this checkout", here)] + ([("baseline", args.baseline)] if args.baseline else [])
    print(f"{path.name}: {path.stat().st_size / 1e6:,.0f} MB; load average now {_load()}; {TARGETS}")
    naive = run_step(sys.executable, "naive", path)
    events = int(naive["events"])
    print(f"{events:,} events\n")
    print(_row("row", [label for label, _ in venvs] + ["naive json.loads loop"]))
    nv = f"{naive['wall']:.2f} s wall, {naive['cpu']:.2f} s cpu (load {naive['load']})"

    def both(fn):  # noqa: ANN001, ANN202 - a small local helper
        return [fn(venv) for _, venv in venvs]

    def steps(name: str) -> list[dict]:
        return both(lambda v: run_step(str(v / "bin" / "python"), name, path))

    def timed(r: dict) -> str:
        return f"({r['wall']:.2f} s, cpu {r['cpu']:.2f}, load {r['load']})"

    if "index" not in skip:
        rs = steps("index")
        print(_row("index", [f"{r['mb'] / r['wall']:,.0f} MB/s {timed(r)}" for r in rs] + [nv]))
    if "fold" not in skip:
        rs = steps("fold")
        print(_row("fold", [f"{events / r['wall']:,.0f} ev/s {timed(r)}" for r in rs] + [nv]))
    if "tuifold" not in skip:
        rs = steps("tuifold")
        print(_row("open's background fold", [f"{events / r['wall']:,.0f} ev/s {timed(r)}" for r in rs]))
        print(
            _row(
                "  its peak RSS",
                [f"{r['rss']:.0f} MB (checkpoints {r['checkpoints_mb']:.0f} MB)" for r in rs],
            )
        )
    if "doctor" not in skip:
        rs = both(lambda v: run_doctor(v, path))
        print(
            _row(
                "doctor end to end",
                [
                    f"{r['wall']:.2f} s ({r['wall'] / naive['wall']:.2f}x naive), cpu {r['cpu']:.2f} ({r['cpu'] / naive['cpu']:.2f}x), load {r['load']}"
                    for r in rs
                ]
                + [nv],
            )
        )
        print(_row("  doctor peak RSS", [f"{r['rss']:.0f} MB" for r in rs]))
    if "open" not in skip:
        rs = both(lambda v: run_open(v, path))
        print(
            _row(
                "open first screen",
                [f"{r.get('first', float('nan')):.2f} s (load {r.get('load')})" for r in rs],
            )
        )
        print(
            _row(
                "  open RSS",
                [
                    f"{r.get('rss_first', 0):.0f} MB at first screen, peak {r.get('rss', 0):.0f} MB"
                    for r in rs
                ],
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
