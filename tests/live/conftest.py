"""Embedded servers shared by the live tests (real sockets on free loopback ports)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rtinspect.server import FakeTranscriber, ServerThread

FAKE_TEXT = "hello can you hear me"


@pytest.fixture(scope="module")
def ga_server() -> Iterator[ServerThread]:
    with ServerThread(port=0, transcriber=FakeTranscriber(FAKE_TEXT)) as server:
        yield server


@pytest.fixture(scope="module")
def beta_server() -> Iterator[ServerThread]:
    with ServerThread(port=0, legacy_beta=True, transcriber=FakeTranscriber(FAKE_TEXT)) as server:
        yield server
