"""Errors the domain and services raise for bad input and rejected actions."""

from __future__ import annotations

from dataclasses import dataclass, field


class CrmError(Exception):
    """Base of every error crmdesk raises on purpose."""


class ValidationError(CrmError, ValueError):
    """A value is invalid; the message names the value and what to do.

    It is also a ``ValueError``, so code that guards conversions of user input
    with ``except ValueError`` handles it too.
    """


class NotFoundError(CrmError):
    """A record named by the caller does not exist."""


@dataclass(frozen=True)
class Rejection:
    """One reason a stage move is rejected, in a form the UI can translate.

    ``code`` is a stable identifier (see ``RejectionCode``); ``params`` carries the
    values the message mentions, such as the names of the open required actions.
    ``message`` is the English sentence used by the CLI and the logs.
    """

    code: str
    message: str
    params: dict[str, object] = field(default_factory=dict)


class MoveRejectedError(CrmError):
    """A stage move broke a series rule or the checklist gate."""

    def __init__(self, rejections: list[Rejection]) -> None:
        self.rejections = rejections
        super().__init__("; ".join(r.message for r in rejections))
