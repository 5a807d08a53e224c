"""Where a live session connects: URL, headers, dialect, and a label that is safe to show.

A ``Target`` is built once (from flags and the environment) and handed to ``RealtimeClient``;
the UI shows ``label`` and the recorder stores the scrubbed URL, so a key only ever lives in
``headers`` and is registered with ``rtinspect.secrets`` the moment it is seen.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rtinspect.errors import UserError
from rtinspect.protocol import Dialect
from rtinspect.secrets import register_secret, scrub_url

OPENAI_REALTIME_URL = "wss://api.openai.com/v1/realtime"
DEFAULT_MODEL = "gpt-realtime"
BETA_HEADER = ("OpenAI-Beta", "realtime=v1")
BETA_WARNING = (
    "the beta dialect is retired on the live API: it answers 'beta_api_shape_disabled' and closes with 4000; "
    "use it only against 'rtinspect serve --legacy-beta' or old recordings"
)
# A placeholder bearer for the embedded server, which wants a credential but never checks it.
LOCAL_TOKEN = "rtinspect-local"
_SESSION_PARAMS = ("model", "intent", "deployment", "call_id")
SIDEBAND_WARNING = (
    "sideband view: you see the call's events, not its audio (that travels over WebRTC/SIP); "
    "what you send from here steers the live call"
)


@dataclass(frozen=True)
class Target:
    """A connectable endpoint. ``label`` is shown in UIs and never carries a key."""

    url: str
    headers: dict[str, str]
    dialect: Dialect
    model: str | None
    label: str
    warning: str | None = field(default=None, compare=False)

    @property
    def safe_url(self) -> str:
        return scrub_url(self.url)

    @classmethod
    def openai(
        cls,
        *,
        model: str = DEFAULT_MODEL,
        api_key: str,
        dialect: Dialect = Dialect.GA,
        intent: str | None = None,
        base_url: str = OPENAI_REALTIME_URL,
    ) -> Target:
        """The OpenAI Realtime API; ``intent="transcription"`` replaces the model in the query."""
        if not api_key:
            raise UserError("no OpenAI API key: set OPENAI_API_KEY or pass --url for another endpoint")
        register_secret(api_key)
        query = {"intent": intent} if intent else {"model": model}
        headers = {"Authorization": f"Bearer {api_key}"}
        dialect = Dialect(dialect)
        if dialect is Dialect.BETA:
            headers[BETA_HEADER[0]] = BETA_HEADER[1]
        what = f"intent={intent}" if intent else model
        return cls(
            url=_with_query(base_url, query),
            headers=headers,
            dialect=dialect,
            model=None if intent else model,
            label=f"OpenAI {what} ({dialect.value})",
            warning=BETA_WARNING if dialect is Dialect.BETA else None,
        )

    @classmethod
    def ephemeral(
        cls,
        secret: str,
        *,
        model: str = DEFAULT_MODEL,
        dialect: Dialect = Dialect.GA,
        intent: str | None = None,
        base_url: str = OPENAI_REALTIME_URL,
    ) -> Target:
        """An ephemeral client secret (``ek_...``) used as the bearer, as a browser or phone would."""
        target = cls.openai(model=model, api_key=secret, dialect=dialect, intent=intent, base_url=base_url)
        return Target(
            url=target.url,
            headers=target.headers,
            dialect=target.dialect,
            model=target.model,
            label=target.label.replace("OpenAI", "OpenAI ephemeral", 1),
            warning=target.warning,
        )

    @classmethod
    def azure(
        cls,
        *,
        endpoint: str,
        deployment: str,
        api_version: str | None = None,
        api_key: str | None = None,
        token: str | None = None,
        dialect: Dialect = Dialect.GA,
    ) -> Target:
        """Azure OpenAI: the classic ``/openai/realtime?api-version=&deployment=`` form when an
        api-version is given, else the newer ``/openai/v1/realtime?model=<deployment>`` form."""
        if not endpoint or not deployment:
            raise UserError(
                "Azure needs an endpoint and a deployment name (AZURE_OPENAI_ENDPOINT, --deployment)"
            )
        if not api_key and not token:
            raise UserError("Azure needs an api key (AZURE_OPENAI_API_KEY) or a bearer token")
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        if not parts.netloc:
            raise UserError(f"not an Azure endpoint: {scrub_url(endpoint)!r}")
        scheme = "ws" if parts.scheme in ("http", "ws") else "wss"
        base = parts.path.rstrip("/")
        for suffix in ("/openai/v1", "/openai"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        if api_version:
            path, query = f"{base}/openai/realtime", {"api-version": api_version, "deployment": deployment}
        else:
            path, query = f"{base}/openai/v1/realtime", {"model": deployment}
        headers: dict[str, str] = {}
        if api_key:
            register_secret(api_key)
            headers["api-key"] = api_key
        else:
            assert token is not None
            register_secret(token)
            headers["Authorization"] = f"Bearer {token}"
        dialect = Dialect(dialect)
        if dialect is Dialect.BETA:
            headers[BETA_HEADER[0]] = BETA_HEADER[1]
        return cls(
            url=urlunsplit((scheme, parts.netloc, path, urlencode(query), "")),
            headers=headers,
            dialect=dialect,
            model=deployment,
            label=f"Azure {parts.hostname} {deployment} ({dialect.value})",
        )

    @classmethod
    def custom(
        cls,
        url: str,
        headers: Mapping[str, str] | None = None,
        dialect: Dialect = Dialect.GA,
        model: str | None = None,
    ) -> Target:
        """Any Realtime-compatible URL. A model is added to the query when the URL names none;
        the beta dialect sends the ``OpenAI-Beta`` header, which is what selects it on the wire."""
        url = _normalise_ws_url(url)
        query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        if model and not any(k in query for k in _SESSION_PARAMS):
            url = _with_query(url, {"model": model})
        elif model is None:
            model = query.get("model") or query.get("deployment")
        hdrs = dict(headers or {})
        for name, value in hdrs.items():
            if name.lower() in ("authorization", "api-key"):
                register_secret(value.split(" ", 1)[-1])
        dialect = Dialect(dialect)
        if dialect is Dialect.BETA and not any(k.lower() == "openai-beta" for k in hdrs):
            hdrs[BETA_HEADER[0]] = BETA_HEADER[1]
        host = urlsplit(url).hostname or ""
        warning = BETA_WARNING if dialect is Dialect.BETA and host.endswith("openai.com") else None
        return cls(url=url, headers=hdrs, dialect=dialect, model=model, label=scrub_url(url), warning=warning)

    @classmethod
    def embedded(cls, url: str, *, dialect: Dialect = Dialect.GA, model: str = DEFAULT_MODEL) -> Target:
        """The in-process embedded server: a placeholder bearer (it is never checked)."""
        t = cls.custom(url, {"Authorization": f"Bearer {LOCAL_TOKEN}"}, dialect=dialect, model=model)
        return Target(t.url, t.headers, t.dialect, t.model, f"embedded server {t.label} ({t.dialect.value})")


def sideband(target: Target, call_id: str) -> Target:
    """The same endpoint and credentials, joining the WebRTC/SIP call ``call_id`` instead of opening a
    session: ``?call_id=<id>`` replaces the model (docs/protocol.md §11). The label says it is a sideband
    view, so every screen and recording shows it."""
    call_id = call_id.strip()
    if not call_id:
        raise UserError("--call-id needs the call's id (e.g. rtc_... from the call's Location header)")
    parts = urlsplit(target.url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("model", "intent", "call_id")
    ]
    query.append(("call_id", call_id))
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
    return Target(
        url=url,
        headers=target.headers,
        dialect=target.dialect,
        model=None,
        label=f"sideband view of call {call_id} — {target.label}",
        warning=SIDEBAND_WARNING,
    )


def resolve_target(
    *,
    url: str | None = None,
    model: str | None = None,
    dialect: Dialect | str = Dialect.GA,
    env: Mapping[str, str] = os.environ,
    headers: Mapping[str, str] | None = None,
    intent: str | None = None,
) -> Target | None:
    """Pick the endpoint from flags and the environment; ``None`` means "use the embedded server".

    Order: ``--url`` (with the OpenAI or Azure key from the environment added when the URL points
    there and carries no credential), then ``OPENAI_API_KEY``, then ``AZURE_OPENAI_ENDPOINT`` +
    ``AZURE_OPENAI_API_KEY`` + ``AZURE_OPENAI_DEPLOYMENT``, then ``OPENAI_CLIENT_SECRET``.
    """
    dialect = Dialect(dialect)
    if url:
        hdrs = dict(headers or {})
        host = urlsplit(_normalise_ws_url(url)).hostname or ""
        has_auth = any(k.lower() in ("authorization", "api-key") for k in hdrs)
        if not has_auth and host.endswith("openai.com") and env.get("OPENAI_API_KEY"):
            hdrs["Authorization"] = f"Bearer {env['OPENAI_API_KEY']}"
        elif not has_auth and host.endswith(".azure.com") and env.get("AZURE_OPENAI_API_KEY"):
            hdrs["api-key"] = env["AZURE_OPENAI_API_KEY"]
        return Target.custom(url, hdrs, dialect=dialect, model=model or DEFAULT_MODEL)
    if env.get("OPENAI_API_KEY"):
        return Target.openai(
            model=model or DEFAULT_MODEL, api_key=env["OPENAI_API_KEY"], dialect=dialect, intent=intent
        )
    azure_endpoint = env.get("AZURE_OPENAI_ENDPOINT")
    if azure_endpoint and (env.get("AZURE_OPENAI_API_KEY") or env.get("AZURE_OPENAI_AD_TOKEN")):
        deployment = model or env.get("AZURE_OPENAI_DEPLOYMENT")
        if not deployment:
            raise UserError(
                "AZURE_OPENAI_ENDPOINT is set but no deployment: pass --model or set AZURE_OPENAI_DEPLOYMENT"
            )
        return Target.azure(
            endpoint=azure_endpoint,
            deployment=deployment,
            api_version=env.get("OPENAI_API_VERSION") or None,
            api_key=env.get("AZURE_OPENAI_API_KEY") or None,
            token=env.get("AZURE_OPENAI_AD_TOKEN") or None,
            dialect=dialect,
        )
    if env.get("OPENAI_CLIENT_SECRET"):
        return Target.ephemeral(env["OPENAI_CLIENT_SECRET"], model=model or DEFAULT_MODEL, dialect=dialect)
    return None


def _normalise_ws_url(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError as err:
        raise UserError(f"not a URL: {scrub_url(url)!r}") from err
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise UserError(f"not a WebSocket URL: {scrub_url(url)!r} (expected ws://... or wss://...)")
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def _with_query(url: str, extra: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(extra.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
