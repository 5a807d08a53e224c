"""Run mitmdump with rtinspect's addon beside the collector, and say what the user's app needs.

mitmproxy lives in its own environment (``pipx install mitmproxy``): rtinspect only starts the
``mitmdump`` it finds, as a child process whose output goes to a log file (the terminal belongs to
rtinspect's own view). It is started once the collector listens (it needs the collector's port)
and stopped before the collector closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rtinspect.capture import ADDON_PATH
from rtinspect.errors import UserError

DEFAULT_LISTEN = ("127.0.0.1", 8080)
CA_FILE = "mitmproxy-ca-cert.pem"
START_TIMEOUT_S = 30.0


def find_mitmdump(explicit: str | None) -> str | None:
    """``--mitmdump PATH`` (must exist), else ``mitmdump`` on the PATH, else None."""
    if explicit:
        path = shutil.which(explicit) or (explicit if os.access(explicit, os.X_OK) else None)
        if path is None:
            raise UserError(f"--mitmdump: {explicit!r} is not an executable")
        return path
    return shutil.which("mitmdump")


def confdir_of(args: Sequence[str]) -> Path:
    """mitmproxy's configuration folder (where its CA lives): ``--set confdir=DIR`` or ``~/.mitmproxy``."""
    for i, arg in enumerate(args):
        value = arg
        if arg == "--set" and i + 1 < len(args):
            value = args[i + 1]
        if value.startswith("confdir="):
            return Path(value.split("=", 1)[1]).expanduser()
    return Path("~/.mitmproxy").expanduser()


def setup_lines(proxy_url: str, ca: Path) -> list[str]:
    """What to set in the shell that runs the app, per runtime."""
    return [
        "in the shell that runs your app:",
        f"  export HTTPS_PROXY={proxy_url}",
        f"  export SSL_CERT_FILE={ca}",
        f"  export NODE_EXTRA_CA_CERTS={ca}",
        "  (Python: websockets >= 15 and the openai SDK honour HTTPS_PROXY and SSL_CERT_FILE; Node.js trusts",
        "  NODE_EXTRA_CA_CERTS, and its WebSocket client needs a proxy agent for HTTPS_PROXY)",
        f"mitmproxy's CA: {ca} (made on mitmproxy's first start; trust it for this debugging only)",
    ]


@dataclass
class Mitmdump:
    """A mitmdump child process that streams Realtime flows to the collector it is a companion of."""

    exe: str
    listen_host: str = DEFAULT_LISTEN[0]
    listen_port: int = DEFAULT_LISTEN[1]
    hosts: Sequence[str] = ()
    extra_args: Sequence[str] = ()
    log_path: Path | None = None
    process: asyncio.subprocess.Process | None = field(default=None, init=False)
    _log: Any = field(default=None, init=False, repr=False)

    @property
    def proxy_url(self) -> str:
        return f"http://{self.listen_host}:{self.listen_port}"

    @property
    def ca_path(self) -> Path:
        return confdir_of(self.extra_args) / CA_FILE

    def command(self, collector_url: str) -> list[str]:
        cmd = [
            self.exe,
            "--quiet",
            "--listen-host",
            self.listen_host,
            "--listen-port",
            str(self.listen_port),
            "-s",
            str(ADDON_PATH),
            "--set",
            f"rtinspect_collector={collector_url}",
        ]
        if self.hosts:
            cmd += ["--set", "rtinspect_hosts=" + ",".join(self.hosts)]
        return cmd + list(self.extra_args)

    async def start(self, collector: Any) -> None:
        if self.listen_port == 0:
            with socket.socket() as probe:  # mitmdump cannot report a port it picked: pick one for it
                probe.bind((self.listen_host, 0))
                self.listen_port = probe.getsockname()[1]
        log_path = (
            self.log_path or Path(os.environ.get("TMPDIR", "/tmp")) / f"rtinspect-mitmdump-{os.getpid()}.log"
        )
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - open for the child's whole life
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.command(collector.url),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=self._log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches rtinspect, which stops mitmdump itself
            )
        except OSError as err:
            raise UserError(f"cannot run {self.exe}: {err.strerror or err}") from None
        await self._wait_listening()

    async def _wait_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                raise UserError(f"mitmdump exited with status {self.process.returncode}: {self.last_line()}")
            try:
                _, writer = await asyncio.open_connection(self.listen_host, self.listen_port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return
        await self.stop()
        raise UserError(
            f"mitmdump did not listen on {self.proxy_url} within {START_TIMEOUT_S:.0f} s: {self.last_line()}"
        )

    def last_line(self) -> str:
        """The last line mitmdump wrote (its reason for exiting), or where its log is."""
        try:
            assert self.log_path is not None
            lines = [ln for ln in self.log_path.read_text("utf-8", "replace").splitlines() if ln.strip()]
        except (OSError, AssertionError):
            lines = []
        return lines[-1].strip()[:300] if lines else f"see {self.log_path}"

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
