"""Tell the user what a deal's move did to its customer's lifecycle state."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from crmdesk.services.customer_states import CustomerStateEffect, WinEffect
from crmdesk.services.stages import BulkMoveResult, MoveResult
from crmdesk.ui.events import EventHub


def effect_text(effect: CustomerStateEffect, language: str) -> str:
    """Return the status bar sentence for an effect, or "" when there is none.

    A win that leaves the customer where it was needs no sentence.
    """
    state = "" if effect.state is None else effect.state.get(language)
    if effect.effect is WinEffect.MOVED:
        return QCoreApplication.translate(
            "CustomerNotice", "“{customer}” moved to the state “{state}”."
        ).format(customer=effect.customer, state=state)
    if effect.effect is WinEffect.KEPT_ON_REOPEN:
        return QCoreApplication.translate(
            "CustomerNotice",
            "“{customer}” stays in the state “{state}”: reopening a won deal does "
            "not move the customer back. Change the state by hand if the win no "
            "longer holds.",
        ).format(customer=effect.customer, state=state)
    return ""


def announce(
    events: EventHub, result: MoveResult | BulkMoveResult, language: str
) -> None:
    """Announce the customers a move changed, and the sentences about them."""
    moves = result.moved if isinstance(result, BulkMoveResult) else [result]
    effects = [move.customer_state for move in moves if move.customer_state]
    changed = [e.customer_id for e in effects if e.effect is WinEffect.MOVED]
    if changed:
        events.customers_changed.emit(changed)
    texts = [text for e in effects if (text := effect_text(e, language))]
    if texts:
        events.notice.emit(" ".join(texts))
