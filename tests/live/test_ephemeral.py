"""Minting ephemeral client secrets against a local HTTP stand-in of the REST endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from rtinspect.errors import UserError
from rtinspect.protocol import Dialect
from rtinspect.secrets import redact_text
from rtinspect.transport import Target
from rtinspect.transport.ephemeral import mint_client_secret

KEY = "sk-canary-mint-0123456789abcdef"
seen: list[dict[str, Any]] = []


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        seen.append(
            {
                "path": self.path,
                "auth": self.headers["Authorization"],
                "beta": self.headers["OpenAI-Beta"],
                "body": body,
            }
        )
        if self.headers["Authorization"] != f"Bearer {KEY}":
            self._answer(
                401,
                {"error": {"message": f"Incorrect API key provided: {self.headers['Authorization'][7:]}"}},
            )
        elif self.path.endswith("/client_secrets"):
            self._answer(
                200,
                {
                    "value": "ek_canary_minted_abcdef123456",
                    "expires_at": 1893456000,
                    "session": body["session"],
                },
            )
        else:
            self._answer(
                200, {"client_secret": {"value": "ek_canary_beta_abcdef123456", "expires_at": 1893456000}}
            )

    def _answer(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def api_base() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_ga_mint_and_connect_target(api_base: str) -> None:
    secret = mint_client_secret(KEY, api_base=api_base, expires_seconds=120)
    assert secret.value == "ek_canary_minted_abcdef123456" and secret.expires_at == 1893456000
    assert seen[-1]["path"] == "/v1/realtime/client_secrets"
    assert seen[-1]["body"]["expires_after"] == {"anchor": "created_at", "seconds": 120}
    assert seen[-1]["body"]["session"]["type"] == "realtime" and seen[-1]["beta"] is None
    target = Target.ephemeral(secret.value)
    assert target.headers["Authorization"] == f"Bearer {secret.value}"
    assert secret.value not in redact_text(f"connected with {secret.value}")


def test_beta_mint(api_base: str) -> None:
    secret = mint_client_secret(KEY, api_base=api_base, dialect=Dialect.BETA)
    assert secret.value == "ek_canary_beta_abcdef123456"
    assert seen[-1]["path"] == "/v1/realtime/sessions" and seen[-1]["beta"] == "realtime=v1"


def test_refused_mint_is_one_line_without_the_key(api_base: str) -> None:
    with pytest.raises(UserError) as info:
        mint_client_secret("sk-canary-wrong-key-99999999", api_base=api_base)
    message = str(info.value)
    assert "HTTP 401" in message and "sk-canary" not in message and "\n" not in message
    with pytest.raises(UserError, match="failed"):
        mint_client_secret(KEY, api_base="http://127.0.0.1:9/v1", timeout=5)
