"""Added latency per frame and frames per second through ``rtinspect proxy``, against a direct connection.

An echo upstream and the proxy each run in their own process (as in real use: the app, rtinspect
and the server are separate); the client measures, in the same run and alternating blocks:
- round trip per frame, direct vs through the proxy (added latency = proxied - direct, p50/p99);
- pipelined throughput: N frames sent back to back, echoed, counted (frames/s each way).
The proxy taps every frame (JSON parse + sinks), and with ``--record`` also writes the log.

    /work/venv/bin/python bench/bench_proxy.py [--frames 20000] [--rtt 3000] [--size 220] [--record]

Targets: p50 added <= 0.3 ms, >= 20k frames/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import statistics
import tempfile
import time
from pathlib import Path


def _frame(size: int, n: int) -> str:
    base = {"type": "response.output_audio_transcript.delta", "event_id": f"event_{n:020d}", "delta": ""}
    pad = max(0, size - len(json.dumps(base)))
    base["delta"] = "x" * pad
    return json.dumps(base)


def _run_echo(q: mp.Queue) -> None:
    from websockets.asyncio.server import serve

    async def echo(ws) -> None:  # noqa: ANN001
        async for message in ws:
            await ws.send(message)

    async def main() -> None:
        async with serve(echo, "127.0.0.1", 0, compression=None, max_size=None, ping_interval=None) as server:
            q.put(next(iter(server.sockets)).getsockname()[1])
            await asyncio.Future()

    asyncio.run(main())


def _run_proxy(q: mp.Queue, upstream: str, record: str | None) -> None:
    from rtinspect.proxy import ProxyServer

    counted = [0]

    def on_session(session) -> None:  # noqa: ANN001
        session.tap.add_sink(lambda rec: counted.__setitem__(0, counted[0] + 1))

    async def main() -> None:
        server = ProxyServer("127.0.0.1", 0, upstream, record=record, on_session=on_session, env_key="")
        await server.start()
        q.put(server.port)
        await asyncio.Future()

    asyncio.run(main())


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _rtt(ws, frames: list[str]) -> list[float]:  # noqa: ANN001
    out = []
    for f in frames:
        t = time.perf_counter()
        await ws.send(f)
        await ws.recv()
        out.append((time.perf_counter() - t) * 1000)
    return out


async def _throughput(ws, frames: list[str]) -> float:  # noqa: ANN001
    async def receive() -> None:
        for _ in frames:
            await ws.recv()

    t = time.perf_counter()
    task = asyncio.create_task(receive())
    for f in frames:
        await ws.send(f)
    await task
    return len(frames) / (time.perf_counter() - t)


async def bench(direct_url: str, proxy_url: str, args: argparse.Namespace) -> None:
    from websockets.asyncio.client import connect

    kw = {"compression": None, "max_size": None, "ping_interval": None, "max_queue": None}
    path = "/v1/realtime?model=gpt-realtime"
    async with connect(direct_url + path, **kw) as d, connect(proxy_url + path, **kw) as p:
        warm = [_frame(args.size, i) for i in range(500)]
        await _rtt(d, warm)
        await _rtt(p, warm)
        rtt_d: list[float] = []
        rtt_p: list[float] = []
        block = 250
        for start in range(0, args.rtt, block):
            frames = [_frame(args.size, start + i) for i in range(block)]
            rtt_d += await _rtt(d, frames)
            rtt_p += await _rtt(p, frames)
        frames = [_frame(args.size, i) for i in range(args.frames)]
        tp_d = await _throughput(d, frames)
        tp_p = await _throughput(p, frames)
        tp_d2 = await _throughput(d, frames)
        tp_p2 = await _throughput(p, frames)
    print(
        f"frames of {args.size} bytes; {len(rtt_d)} round trips each way; {args.frames} pipelined frames x2"
    )
    print(f"proxy taps every frame (JSON parse + sink){' and records the log' if args.record else ''}")
    print()
    print("| measure | direct | through proxy | added | target |")
    print("|---|---|---|---|---|")
    for name, p_ in (("p50", 50), ("p99", 99)):
        a, b = _pct(rtt_d, p_), _pct(rtt_p, p_)
        target = "<= 0.3 ms" if p_ == 50 else ""
        # round trip crosses the proxy twice (app->upstream and back): per-frame added = half
        print(
            f"| round trip {name} (ms) | {a:.3f} | {b:.3f} | {(b - a):.3f} (per frame {(b - a) / 2:.3f}) | {target} |"
        )
    print(
        f"| mean round trip (ms) | {statistics.mean(rtt_d):.3f} | {statistics.mean(rtt_p):.3f} | {statistics.mean(rtt_p) - statistics.mean(rtt_d):.3f} | |"
    )
    best_d, best_p = max(tp_d, tp_d2), max(tp_p, tp_p2)
    print(f"| echoed frames/s (best of 2) | {best_d:,.0f} | {best_p:,.0f} | | >= 20,000 |")
    print(f"| frames/s through the proxy (both directions) | | {2 * best_p:,.0f} | | |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--rtt", type=int, default=3000)
    parser.add_argument("--size", type=int, default=220)
    parser.add_argument("--record", action="store_true", help="also record the proxied session to a log")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()
    echo = ctx.Process(target=_run_echo, args=(q,), daemon=True)
    echo.start()
    echo_port = q.get(timeout=30)
    tmp = tempfile.TemporaryDirectory()
    record = str(Path(tmp.name) / "bench.jsonl") if args.record else None
    proxy = ctx.Process(target=_run_proxy, args=(q, f"ws://127.0.0.1:{echo_port}", record), daemon=True)
    proxy.start()
    proxy_port = q.get(timeout=30)
    try:
        asyncio.run(bench(f"ws://127.0.0.1:{echo_port}", f"ws://127.0.0.1:{proxy_port}", args))
    finally:
        proxy.terminate()
        echo.terminate()
        proxy.join(5)
        echo.join(5)
        tmp.cleanup()


if __name__ == "__main__":
    main()
