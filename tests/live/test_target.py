"""Where a session connects: URLs and headers for OpenAI, Azure, custom and ephemeral targets."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtinspect.errors import UserError
from rtinspect.protocol import Dialect
from rtinspect.secrets import redact_text
from rtinspect.transport import Target, resolve_target

KEY = "sk-canary-target-0123456789"


def test_openai_ga_and_beta() -> None:
    t = Target.openai(api_key=KEY)
    assert t.url == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    assert t.headers == {"Authorization": f"Bearer {KEY}"}
    assert t.dialect is Dialect.GA and t.warning is None and KEY not in t.label
    b = Target.openai(api_key=KEY, model="gpt-4o-realtime-preview", dialect=Dialect.BETA)
    assert b.headers["OpenAI-Beta"] == "realtime=v1"
    assert b.warning and "4000" in b.warning
    tr = Target.openai(api_key=KEY, intent="transcription")
    assert tr.url.endswith("?intent=transcription") and tr.model is None


def test_key_is_registered_as_a_secret() -> None:
    Target.openai(api_key="sk-canary-registered-42424242")
    assert "sk-canary-registered-42424242" not in redact_text("key sk-canary-registered-42424242 leaked")
    Target.azure(endpoint="https://r.openai.azure.com", deployment="d", api_key="azurekeyzzzzzz99")
    assert "azurekeyzzzzzz99" not in redact_text("got azurekeyzzzzzz99")


def test_azure_both_url_styles() -> None:
    classic = Target.azure(
        endpoint="https://res.openai.azure.com/",
        deployment="rt",
        api_version="2025-04-01-preview",
        api_key="k" * 32,
    )
    parts = urlsplit(classic.url)
    assert (
        parts.scheme == "wss" and parts.netloc == "res.openai.azure.com" and parts.path == "/openai/realtime"
    )
    assert parse_qs(parts.query) == {"api-version": ["2025-04-01-preview"], "deployment": ["rt"]}
    assert classic.headers == {"api-key": "k" * 32}
    v1 = Target.azure(endpoint="res.openai.azure.com/openai/v1", deployment="rt", token="aad-token-xyz-123")
    assert v1.url == "wss://res.openai.azure.com/openai/v1/realtime?model=rt"
    assert v1.headers == {"Authorization": "Bearer aad-token-xyz-123"}
    with pytest.raises(UserError):
        Target.azure(endpoint="res.openai.azure.com", deployment="rt")


def test_custom_adds_model_and_beta_header_only_when_missing() -> None:
    t = Target.custom("http://127.0.0.1:9/v1/realtime", model="gpt-realtime")
    assert t.url == "ws://127.0.0.1:9/v1/realtime?model=gpt-realtime"
    t2 = Target.custom("ws://h/v1/realtime?intent=transcription", model="gpt-realtime")
    assert "model=" not in t2.url
    t3 = Target.custom("ws://h/v1/realtime?model=m1")
    assert t3.model == "m1"
    b = Target.custom("ws://h/x", dialect=Dialect.BETA)
    assert b.headers == {"OpenAI-Beta": "realtime=v1"}
    for bad in ("ftp://h/x", "not a url", "ws://"):
        with pytest.raises(UserError):
            Target.custom(bad)


def test_ephemeral_secret_is_the_bearer() -> None:
    t = Target.ephemeral("ek_canary_abcdefghijkl")
    assert t.headers["Authorization"] == "Bearer ek_canary_abcdefghijkl"
    assert "ephemeral" in t.label and "ek_" not in t.label


def test_resolve_target_order() -> None:
    assert resolve_target(env={}) is None
    t = resolve_target(env={"OPENAI_API_KEY": KEY}, model="gpt-realtime-mini")
    assert t is not None and t.url.endswith("model=gpt-realtime-mini")
    u = resolve_target(url="wss://api.openai.com/v1/realtime?model=x", env={"OPENAI_API_KEY": KEY})
    assert u is not None and u.headers["Authorization"] == f"Bearer {KEY}"
    local = resolve_target(url="ws://127.0.0.1:1/v1/realtime", env={"OPENAI_API_KEY": KEY})
    assert local is not None and "Authorization" not in local.headers  # never send the key elsewhere
    az = resolve_target(
        env={"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com", "AZURE_OPENAI_API_KEY": "a" * 32},
        model="dep",
    )
    assert az is not None and az.headers == {"api-key": "a" * 32} and "model=dep" in az.url
    with pytest.raises(UserError):
        resolve_target(
            env={"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com", "AZURE_OPENAI_API_KEY": "a" * 32}
        )
    e = resolve_target(env={"OPENAI_CLIENT_SECRET": "ek_abcdefghijklmnop"})
    assert e is not None and "ephemeral" in e.label


@given(st.text(max_size=80))
def test_any_url_text_gives_a_websocket_target_or_a_one_line_user_error(text: str) -> None:
    try:
        t = Target.custom(text)
    except UserError as err:
        assert "\n" not in str(err)
        return
    assert t.url.startswith(("ws://", "wss://"))


def test_a_key_in_the_url_never_reaches_the_label() -> None:
    t = Target.custom("wss://user:pw@h.example/v1/realtime?api_key=sk-canary-url-123456789&model=m")
    assert "sk-canary" not in t.label and "pw" not in t.label
    assert "sk-canary" not in t.safe_url


@given(
    st.sampled_from(["ws", "wss", "http", "https"]),
    st.from_regex(r"[a-z][a-z0-9\-]{0,20}(\.[a-z]{2,5}){0,2}", fullmatch=True),
    st.one_of(st.none(), st.integers(1, 65535)),
    st.from_regex(r"(/[a-z0-9_]{1,8}){0,3}", fullmatch=True),
)
def test_custom_targets_keep_host_port_and_path(scheme: str, host: str, port: int | None, path: str) -> None:
    netloc = f"{host}:{port}" if port else host
    t = Target.custom(f"{scheme}://{netloc}{path}", model="m")
    parts = urlsplit(t.url)
    assert parts.scheme == ("wss" if scheme in ("wss", "https") else "ws")
    assert parts.netloc == netloc and parts.path == path
    assert parse_qs(parts.query) == {"model": ["m"]}
