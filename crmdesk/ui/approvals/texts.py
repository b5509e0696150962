"""Translated names of approval statuses and decisions."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from crmdesk.services.approvals import DecisionLine
from crmdesk.ui.formatting import amount_text, instant_text


def status_text(status: str) -> str:
    """Return the translated name of a request status."""
    match status:
        case "pending":
            return QCoreApplication.translate("Approvals", "Pending")
        case "approved":
            return QCoreApplication.translate("Approvals", "Approved")
        case "rejected":
            return QCoreApplication.translate("Approvals", "Rejected")
        case "invalidated":
            return QCoreApplication.translate("Approvals", "Reopened (amount changed)")
    return status


def decision_text(decision: str) -> str:
    """Return the translated name of a decision of the history."""
    match decision:
        case "approved":
            return QCoreApplication.translate("Approvals", "approved")
        case "rejected":
            return QCoreApplication.translate("Approvals", "rejected")
        case "invalidated":
            return QCoreApplication.translate("Approvals", "reopened")
    return decision


def history_line(line: DecisionLine) -> str:
    """Return one decision of a request's history as a translated sentence."""
    when = instant_text(line.decided_at)
    if line.decision == "invalidated":
        return QCoreApplication.translate(
            "Approvals", "{when}: reopened, the amount changed to {amount}"
        ).format(when=when, amount=amount_text(line.amount_minor, line.currency) or "—")
    text = QCoreApplication.translate(
        "Approvals", "{when}: {decision} by {who}"
    ).format(
        when=when, decision=decision_text(line.decision), who=line.decided_by or "—"
    )
    if line.corrected_amount_minor is not None:
        text += " " + QCoreApplication.translate("Approvals", "at {amount}").format(
            amount=amount_text(line.corrected_amount_minor, line.currency)
        )
    if line.comment:
        text += f" — {line.comment}"
    return text
