"""Urgency triage: every resident message scored (critical, high, normal) with the reasons, and a safe answer
to a resident in crisis (issue 17)."""
