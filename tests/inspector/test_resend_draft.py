"""The resend rule without a UI: client events only, a fresh copy without the original's event_id."""

from __future__ import annotations

from rtinspect.inspector.model import SessionModel
from rtinspect.inspector.resend import resend_draft
from rtinspect.tap import Tapped


def model() -> SessionModel:
    m = SessionModel(live=True)
    m.ingest(
        [
            Tapped(0.0, "server", {"type": "session.created", "session": {"type": "realtime"}}),
            Tapped(
                0.1,
                "client",
                {"type": "response.create", "event_id": "evt_1", "response": {"instructions": "hi"}},
            ),
            Tapped(0.2, "meta", {"type": "rtinspect.bookmark"}),
        ]
    )
    return m


def test_client_event_is_copied_without_its_event_id() -> None:
    m = model()
    draft = resend_draft(m, 1)
    assert draft.event == {"type": "response.create", "response": {"instructions": "hi"}}
    assert draft.source == 1 and draft.type == "response.create"
    draft.event["response"]["instructions"] = "changed"  # the copy is the user's: the log is untouched
    assert m.index.rec(1).event["response"]["instructions"] == "hi"
    assert m.index.rec(1).event["event_id"] == "evt_1"


def test_server_meta_and_missing_events_say_why() -> None:
    m = model()
    assert resend_draft(m, 0).event is None
    assert "server event" in resend_draft(m, 0).reason and "session.created" in resend_draft(m, 0).reason
    assert "meta event" in resend_draft(m, 2).reason
    assert resend_draft(m, 7).reason == "no event #7"
    assert resend_draft(m, None).reason == "no event is selected"
