"""Connect-time checks in the live order, with the live error events and close codes."""

from __future__ import annotations

import logging

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from rtinspect.protocol import Dialect
from rtinspect.server import EmbeddedServer

from .server_helpers import AUTH, BETA, open_client


async def _refused(url: str, headers: dict[str, str]) -> tuple[dict, int | None, str | None]:
    client = await open_client(url, headers=headers, query="")
    ev = await client.recv()
    with pytest.raises(ConnectionClosed):
        await client.recv()
    return ev, client.ws.close_code, client.ws.close_reason


async def test_beta_header_is_refused_with_4000(server: EmbeddedServer) -> None:
    ev, code, reason = await _refused(server.url + "?model=gpt-realtime", BETA)
    assert ev["type"] == "error"
    assert ev["error"]["code"] == "beta_api_shape_disabled"
    assert ev["error"]["message"].startswith("The Realtime Beta API is no longer supported.")
    assert (code, reason) == (4000, "invalid_request_error.beta_api_shape_disabled")


async def test_beta_header_refused_for_transcription_intent_too(server: EmbeddedServer) -> None:
    _, code, _ = await _refused(server.url + "?intent=transcription", BETA)
    assert code == 4000


async def test_missing_key_closes_3000(server: EmbeddedServer) -> None:
    ev, code, _ = await _refused(server.url + "?model=gpt-realtime", {})
    assert ev["error"]["code"] is None
    assert ev["error"]["message"].startswith("Missing bearer or basic authentication in header")
    assert "any key works" in ev["error"]["message"]  # the live refusal, with the local word on keys
    assert code == 3000


async def test_missing_model_closes_4000(server: EmbeddedServer) -> None:
    ev, code, reason = await _refused(server.url, AUTH)
    assert ev["error"]["code"] == "missing_model"
    assert (code, reason) == (4000, "invalid_request_error.missing_model")


async def test_unknown_model_closes_4000(server: EmbeddedServer) -> None:
    ev, code, reason = await _refused(server.url + "?model=gpt-4o", AUTH)
    assert ev["error"]["code"] == "invalid_model"
    assert (code, reason) == (4000, "invalid_request_error.invalid_model")


@pytest.mark.parametrize(
    "model",
    [
        "gpt-realtime",
        "gpt-realtime-2025-08-28",
        "gpt-realtime-mini",
        "gpt-4o-realtime-preview-2024-12-17",
        "gpt-4o-mini-realtime-preview",
    ],
)
async def test_known_models_get_session_created(server: EmbeddedServer, model: str) -> None:
    client = await open_client(server.url, query=f"?model={model}")
    ev = await client.recv()
    assert ev["type"] == "session.created"
    assert ev["session"]["model"] == model
    await client.ws.close()


@pytest.mark.parametrize(
    "headers, subprotocols",
    [
        ({"api-key": "azure-style-key"}, None),
        ({}, ["realtime", "openai-insecure-api-key.sk-browser"]),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, None),
    ],
)
async def test_other_credential_forms_are_accepted(
    server: EmbeddedServer, headers: dict, subprotocols: list | None
) -> None:
    async with connect(
        server.url + "?model=gpt-realtime", additional_headers=headers, subprotocols=subprotocols
    ) as ws:
        import json

        assert json.loads(await ws.recv())["type"] == "session.created"
        if subprotocols:
            assert ws.subprotocol == "realtime"


async def test_transcription_intent_without_model(server: EmbeddedServer) -> None:
    client = await open_client(server.url, query="?intent=transcription")
    ev = await client.recv()
    assert ev["type"] == "session.created"
    assert ev["session"]["type"] == "transcription"


async def test_other_paths_get_404(server: EmbeddedServer) -> None:
    with pytest.raises(InvalidStatus) as info:
        await connect(f"ws://127.0.0.1:{server.port}/v1/other?model=gpt-realtime", additional_headers=AUTH)
    assert info.value.response.status_code == 404


async def test_legacy_beta_serves_beta_to_beta_clients_and_ga_to_others(beta_server: EmbeddedServer) -> None:
    beta = await open_client(
        beta_server.url, headers=BETA, query="?model=gpt-4o-realtime-preview", dialect=Dialect.BETA
    )
    ev = await beta.recv()
    assert ev["session"]["modalities"] == ["text", "audio"]
    assert ev["session"]["input_audio_format"] == "pcm16"
    ga = await open_client(beta_server.url)
    assert (await ga.recv())["session"]["type"] == "realtime"


async def test_token_never_logged(caplog: pytest.LogCaptureFixture, server: EmbeddedServer) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "sk-proj-SECRETSECRET123"
    client = await open_client(server.url, headers={"Authorization": f"Bearer {secret}"})
    await client.recv()
    await client.ws.close()
    refused = await open_client(
        server.url, headers={"Authorization": f"Bearer {secret}"}, query="?model=nope"
    )
    ev = await refused.recv()
    assert secret not in str(ev)
    await refused.ws.wait_closed()
    ours = [r for r in caplog.records if not r.name.startswith("websockets.client")]  # the test's own client
    assert any(r.name == "rtinspect.server" for r in ours), "connections should be logged"
    assert not [r for r in ours if secret in r.getMessage()]


async def test_port_in_use_is_a_user_error(server: EmbeddedServer) -> None:
    from rtinspect.errors import UserError

    with pytest.raises(UserError, match="cannot listen on 127.0.0.1"):
        await EmbeddedServer(port=server.port, transcriber=None).start()
