"""Stream layout shared by every service, the runner and the operators' tools."""

from __future__ import annotations

LIFECYCLE_SUBJECTS = ["ideapaja.>"]
HR_SUBJECTS = ["hr.>"]
DEAD_LETTER_SUBJECTS = ["deadletter.>"]

DEFAULT_LIFECYCLE_STREAM = "IDEAPAJA"
DEFAULT_HR_STREAM = "IDEAPAJA_HR"
DEFAULT_DEAD_LETTER_STREAM = "IDEAPAJA_DLQ"


def dead_letter_subject(service: str, consumer: str) -> str:
    return f"deadletter.{service}.{consumer}"
