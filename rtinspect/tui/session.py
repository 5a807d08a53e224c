"""Build the live app: pick the endpoint (real API or the embedded local server), the recorder,
the controller and the model. Kept apart from the command so tests build the same thing.
"""

from __future__ import annotations

from typing import Any

from rtinspect.errors import UserError


def build_live(
    *,
    url: str | None = None,
    model: str | None = None,
    dialect: str = "ga",
    record: str | None = None,
    no_record: bool = False,
    server: Any = None,
    transcriber: Any = "pocketsphinx",
    call_id: str | None = None,
    script: Any = None,
) -> Any:
    """The app for a live session. With no ``url`` and no key in the environment, an embedded
    server is started in-process (``server`` lets a test pass one it started itself), with ``script``
    (``rtinspect.server.script.Script``: rules and faults) when given. ``call_id``
    joins that WebRTC/SIP call's session as a sideband view instead of opening a new session."""
    from rtinspect.inspector.live import LiveController, default_record_path
    from rtinspect.inspector.model import SessionModel
    from rtinspect.protocol import Dialect
    from rtinspect.transport import Target, resolve_target
    from rtinspect.transport.target import sideband
    from rtinspect.tui.app import RtInspectApp

    try:
        d = Dialect(dialect)
    except ValueError:
        raise UserError(f"unknown dialect {dialect!r}: use ga or beta") from None
    target = None if server is not None else resolve_target(url=url, model=model, dialect=d)
    started = None
    embedded = target is None
    if call_id is not None and target is None and server is None:
        raise UserError(
            "--call-id joins a call on the real API (set OPENAI_API_KEY) or on the server given with --url "
            "(e.g. 'rtinspect serve'); the embedded server started here has no calls"
        )
    if script is not None and not embedded:
        raise UserError(
            "--script/--fault drive the embedded server: drop --url and unset OPENAI_API_KEY to use it"
        )
    if target is None:
        if server is None:
            from rtinspect.server import ServerThread

            started = server = ServerThread(
                transcriber=transcriber, legacy_beta=d is Dialect.BETA, script=script
            ).start()
        kwargs = {"model": model} if model else {}
        target = Target.embedded(server.url, dialect=d, **kwargs)
    if call_id is not None:
        target = sideband(target, call_id)
        embedded = False  # the label must say "sideband view", whichever server holds the call
    record_path = None if no_record else (record or default_record_path())
    try:
        controller = LiveController(target, record_path=record_path, server=started, embedded=embedded)
    except UserError:
        if started is not None:
            started.stop()
        raise
    m = SessionModel(dialect=d.value, label=controller.endpoint_label, live=True)
    warning = getattr(target, "warning", None)
    return RtInspectApp(m, controller=controller, endpoint=controller.endpoint_label, warning=warning)
