"""What the HTTP API accepts and returns, per area."""

from ideapaja_review.schemas.cases import (
    CasePublic,
    CaseSummaryPublic,
    DecisionCreate,
    HistoryEntryPublic,
)

__all__ = ["CasePublic", "CaseSummaryPublic", "DecisionCreate", "HistoryEntryPublic"]
