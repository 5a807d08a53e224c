"""A minimal, standalone Python reproduction of a recorded session (``websockets`` only).

Two files: ``repro.py`` and ``repro-events.jsonl`` beside it (one ``{"t", "event"}`` per client
event, audio appends included), so the script stays short and readable while the data can be
megabytes. The script reads the key from ``OPENAI_API_KEY``, takes the URL from its argument or
``REALTIME_URL``, re-sends the events with their original timing and prints every server event.
Nothing secret is written: the events come from the (already scrubbed) log.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from rtinspect.exchange.logio import SessionLog
from rtinspect.secrets import scrub_url

DEFAULT_API_URL = "wss://api.openai.com/v1/realtime"

_TEMPLATE = '''#!/usr/bin/env python3
"""Reproduce the Realtime session recorded in @@log_name@@ (exported by rtinspect).

Re-sends the @@count@@ client events in @@events_name@@ with their original timing
(@@duration@@ s) and prints every server event.
    pip install "websockets>=14"
    OPENAI_API_KEY=sk-... python @@script_name@@ [URL] [--speed X]
URL defaults to $REALTIME_URL, else @@default_url@@
"""

import argparse
import asyncio
import json
import os
import time
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

DEFAULT_URL = @@default_url@@
HEADERS = @@headers@@  # no credentials here: the key comes from OPENAI_API_KEY
EVENTS = Path(__file__).with_name(@@events_name@@)
QUIET_S = 3.0  # after the last event, stop when the server has been quiet this long


def summary(event):
    kind = event.get("type", "?")
    if kind == "error":
        err = event.get("error") or {}
        return f"{kind} {err.get('code')}: {err.get('message')}"
    for key in ("transcript", "text", "delta"):
        value = event.get(key)
        if isinstance(value, str) and not kind.endswith("audio.delta"):
            return f"{kind} {value[:80]!r}"
    if kind.endswith(".completed") or kind == "conversation.item.done":
        item = event.get("item") or {}
        parts = item.get("content") or []
        transcripts = [p.get("transcript") for p in parts if isinstance(p, dict) and "transcript" in p]
        if transcripts:
            return f"{kind} transcript={transcripts[0]!r}"
    return kind


async def main():
    parser = argparse.ArgumentParser(description="Replay a recorded Realtime session")
    parser.add_argument("url", nargs="?", default=os.environ.get("REALTIME_URL", DEFAULT_URL))
    parser.add_argument("--speed", type=float, default=1.0, help="time scale (2 = twice as fast)")
    args = parser.parse_args()
    headers = dict(HEADERS)
    if os.environ.get("OPENAI_API_KEY"):
        headers["Authorization"] = "Bearer " + os.environ["OPENAI_API_KEY"]
    events = [json.loads(line) for line in EVENTS.read_text().splitlines() if line.strip()]
    last_heard = time.monotonic()
    async with connect(args.url, additional_headers=headers, max_size=None) as ws:

        async def reader():
            nonlocal last_heard
            try:
                async for message in ws:
                    last_heard = time.monotonic()
                    try:
                        event = json.loads(message)
                    except (TypeError, ValueError):
                        print(f"{time.monotonic() - start:8.3f} < (non-JSON frame, {len(message)} bytes)")
                        continue
                    print(f"{time.monotonic() - start:8.3f} < {summary(event)}", flush=True)
            except ConnectionClosed:
                pass

        start = time.monotonic()
        task = asyncio.create_task(reader())
        for record in events:
            delay = start + record["t"] / args.speed - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if task.done():
                break
            await ws.send(json.dumps(record["event"]))
            print(f"{time.monotonic() - start:8.3f} > {record['event'].get('type')}", flush=True)
        while not task.done() and time.monotonic() - last_heard < QUIET_S:
            await asyncio.sleep(0.1)
        await ws.close()
        await task
    print(f"closed: code {ws.close_code} {ws.close_reason!r}")


if __name__ == "__main__":
    asyncio.run(main())
'''


def _default_url(log: SessionLog) -> str:
    """The original URL unless it was a local server (a port that will not be there again)."""
    url = log.url or ""
    parts = urlsplit(url)
    if not url or parts.hostname in ("127.0.0.1", "localhost", "::1"):
        query = dict(parse_qsl(parts.query)) if url else {}
        model = query.get("model") or log.model or "gpt-realtime"
        return f"{DEFAULT_API_URL}?model={model}"
    return scrub_url(url)


def write_script(log: SessionLog, out_dir: Path, name: str = "repro") -> tuple[Path, Path]:
    """Write ``NAME.py`` and ``NAME-events.jsonl`` into ``out_dir``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    script, events = out_dir / f"{name}.py", out_dir / f"{name}-events.jsonl"
    count, last_t = 0, 0.0
    with open(events, "w", encoding="utf-8") as fh:
        for rec in log.records:  # one pass, one event at a time: a long session is mostly audio
            if rec.dir != "client":
                continue
            fh.write(json.dumps({"t": round(max(0.0, rec.t), 6), "event": rec.event}, separators=(",", ":")))
            fh.write("\n")
            count, last_t = count + 1, rec.t
    headers = {k: v for k, v in log.headers.items() if k.lower() == "openai-beta"}
    if log.dialect == "beta" and not headers:
        headers = {"OpenAI-Beta": "realtime=v1"}
    values = {
        "log_name": repr(log.path.name),
        "events_name": repr(events.name),
        "script_name": script.name,
        "count": str(count),
        "duration": f"{last_t:.1f}",
        "default_url": repr(_default_url(log)),
        "headers": repr(headers),
    }
    text = _TEMPLATE
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    script.write_text(text, encoding="utf-8")
    script.chmod(0o755)
    return script, events
