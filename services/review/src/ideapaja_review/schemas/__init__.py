"""What the HTTP API accepts and returns, per area."""

from ideapaja_review.schemas.cases import (
    CaseDetail,
    CasePage,
    CaseSummary,
    DecisionRequest,
    HistoryEntry,
)

__all__ = ["CaseDetail", "CasePage", "CaseSummary", "DecisionRequest", "HistoryEntry"]
