"""The doctor: diagnose a Realtime session from its events and name the fix.

``Doctor`` runs live (``feed`` each event, ``finish`` at the end); ``diagnose(records)`` does the
same over a recorded log. Rules live one family per module (session_rules, audio_rules,
buffer_rules, response_rules, function_rules, connection_rules, info_rules).
"""

from __future__ import annotations

from rtinspect.doctor.engine import Doctor, Rule, diagnose
from rtinspect.doctor.finding import SEVERITY_ORDER, Finding

__all__ = ["SEVERITY_ORDER", "Doctor", "Finding", "Rule", "diagnose"]
