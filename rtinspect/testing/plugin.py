"""The ``realtime_server`` fixture: rtinspect's embedded Realtime server for a team's own test suite.

Installed with rtinspect, pytest loads this plugin by itself (``pytest11`` entry point). Each test that asks
for ``realtime_server`` gets a running server on a free loopback port (in its own thread, so sync and async
tests alike can use it), stopped after the test::

    import pytest
    from openai import AsyncOpenAI

    @pytest.mark.realtime(faults=["rate_limit_exceeded"], script={"rules": [{"turn": 1, "say": "Hi!"}]})
    async def test_my_app(realtime_server):
        client = AsyncOpenAI(api_key=realtime_server.api_key, websocket_base_url=realtime_server.websocket_base_url)
        async with client.realtime.connect(model="gpt-realtime") as conn:
            ...

The ``realtime`` marker takes ``script`` (a dict, a YAML/JSON path, or a ``Script``), ``faults`` (names as
for ``rtinspect serve --fault``), ``transcriber`` (``"pocketsphinx"``, the default, ``"none"``, or an
object with ``transcribe(pcm16_24k) -> str``) and ``legacy_beta``. The pocketsphinx workers are shared by
every server of the run (the session-scoped ``realtime_transcriber`` fixture), so the model loads once. ``realtime_server.use_script(...)``
changes the rules for the connections opened after it.

Nothing heavy is imported until a test asks for the fixture: the plugin loads in every pytest run of an
environment where rtinspect is installed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from rtinspect.server import ServerThread
    from rtinspect.server.script import Script

LOCAL_KEY = "sk-rtinspect-local"  # any key works locally; a key must still be sent, as live
MARKER = "realtime"
MARKER_HELP = (
    "realtime(script=None, faults=(), transcriber='pocketsphinx', legacy_beta=False): "
    "how rtinspect's realtime_server fixture runs for this test"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)


class RealtimeServer:
    """A running embedded server, as a test sees it: where to connect, and which key to send."""

    def __init__(self, thread: ServerThread) -> None:
        self._thread = thread
        self.api_key = LOCAL_KEY

    @property
    def port(self) -> int:
        return self._thread.port

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:PORT/v1/realtime``: add ``?model=gpt-realtime`` (see ``model_url``)."""
        return self._thread.url

    @property
    def model_url(self) -> str:
        """The full URL of a conversation session, e.g. the Agents SDK's model config ``url``."""
        return self.url + "?model=gpt-realtime"

    @property
    def websocket_base_url(self) -> str:
        """For ``openai.AsyncOpenAI(websocket_base_url=...)``, whose realtime client adds ``/realtime``."""
        return f"ws://127.0.0.1:{self.port}/v1"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def use_script(
        self, script: Script | dict[str, Any] | str | Path | None, faults: Iterable[str] = ()
    ) -> None:
        """Rules and faults for the connections opened from now on."""
        self._thread.server.use_script(_script(script), faults)


def _script(value: Any) -> Any:
    from rtinspect.server.script import from_data

    return from_data(value, source="realtime marker script") if isinstance(value, dict | list) else value


@pytest.fixture(scope="session")
def realtime_transcriber() -> Iterator[Any]:
    """The pocketsphinx worker pool shared by every ``realtime_server`` of the run: its workers start on
    the first turn that needs words and load the model once, not once per test."""
    from rtinspect.server.transcribe import make_transcriber

    pool = make_transcriber("pocketsphinx")
    try:
        yield pool
    finally:
        close = getattr(pool, "close", None)
        if close is not None:
            close()


@pytest.fixture
def realtime_server(request: pytest.FixtureRequest) -> Iterator[RealtimeServer]:
    """A running rtinspect embedded Realtime server for this test (see the module's docstring)."""
    from rtinspect.server import ServerThread

    marker = request.node.get_closest_marker(MARKER)
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    unknown = set(options) - {"script", "faults", "transcriber", "legacy_beta"}
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: unknown argument {sorted(unknown)[0]!r}")
    transcriber = options.get("transcriber", "pocketsphinx")
    if transcriber == "pocketsphinx":
        transcriber = request.getfixturevalue("realtime_transcriber")
    thread = ServerThread(
        transcriber=transcriber,
        legacy_beta=bool(options.get("legacy_beta", False)),
        script=_script(options.get("script")),
        faults=list(options.get("faults") or ()),
    )
    with thread:
        yield RealtimeServer(thread)
