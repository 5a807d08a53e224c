from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from rtinspect.server import EmbeddedServer, FakeTranscriber


@pytest.fixture
async def server() -> AsyncIterator[EmbeddedServer]:
    async with EmbeddedServer(transcriber=FakeTranscriber()) as srv:
        yield srv


@pytest.fixture
async def beta_server() -> AsyncIterator[EmbeddedServer]:
    async with EmbeddedServer(legacy_beta=True, transcriber=FakeTranscriber()) as srv:
        yield srv
