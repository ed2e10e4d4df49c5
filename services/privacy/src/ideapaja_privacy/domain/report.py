"""The access report: what every service holds on a person, and whether every service answered."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class PeerStatus(StrEnum):
    OK = "ok"  # the service answered with what it holds
    NO_REPORT = "no_report"  # the service has no privacy report (404 on the route)
    REFUSED = "refused"  # the service refused the caller (401/403)
    UNAVAILABLE = "unavailable"  # no answer, or an error


@dataclass(frozen=True)
class PeerAnswer:
    service: str
    status: PeerStatus
    data: dict[str, Any] | None = None
    detail: str = ""


def classify(service: str, status_code: int, body: Any) -> PeerAnswer:
    """Turn one service's HTTP answer into a report section."""
    if status_code == 200 and isinstance(body, dict):
        return PeerAnswer(service, PeerStatus.OK, body)
    detail = ""
    if isinstance(body, dict):
        detail = str(body.get("detail") or body.get("title") or "")[:500]
    if status_code == 404:
        return PeerAnswer(service, PeerStatus.NO_REPORT, None, detail or "no privacy report")
    if status_code in (401, 403):
        return PeerAnswer(service, PeerStatus.REFUSED, None, detail or f"HTTP {status_code}")
    return PeerAnswer(service, PeerStatus.UNAVAILABLE, None, detail or f"HTTP {status_code}")


def unavailable(service: str, error: str) -> PeerAnswer:
    return PeerAnswer(service, PeerStatus.UNAVAILABLE, None, error[:500])


def is_complete(answers: list[PeerAnswer]) -> bool:
    """Complete only when every service answered with its data: a report that silently misses a
    service would tell the person we hold less than we do."""
    return all(answer.status is PeerStatus.OK for answer in answers)
