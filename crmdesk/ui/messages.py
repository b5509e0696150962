"""User-facing sentences for rejected stage moves, through Qt's translations.

The stage service reports each reason as a ``Rejection`` with a stable code and
the values the sentence needs. This module turns a code into a translated
sentence and fills the values in after translation, so translators see one
``{name}``-style template per rule. A code it does not know falls back to the
service's English message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QCoreApplication

from crmdesk.domain.errors import Rejection
from crmdesk.domain.rules import RejectionCode


def _quoted(names: Iterable[object], label: Callable[[str], str]) -> str:
    quote = QCoreApplication.translate("MoveRejection", "“{name}”")
    separator = QCoreApplication.translate("MoveRejection", ", ")
    return separator.join(quote.format(name=label(str(name))) for name in names)


def rejection_text(
    rejection: Rejection,
    stage_label: Callable[[str], str] | None = None,
    language: str = "en",
) -> str:
    """Return one translated sentence that explains why a move was rejected.

    Args:
        rejection: a reason from the stage service.
        stage_label: maps the English stage name the service reports to the name
            in the interface language; None keeps the English name.
        language: the interface language, which picks the names of checklist
            actions ("zh_CN" or "en").
    """
    label = stage_label or (lambda name: name)
    params = rejection.params

    def stage(key: str) -> str:
        return label(str(params.get(key, "")))

    match rejection.code:
        case RejectionCode.SAME_STAGE:
            return QCoreApplication.translate(
                "MoveRejection", "The deal is already in stage “{stage}”."
            ).format(stage=stage("stage"))
        case RejectionCode.OTHER_SERIES:
            return QCoreApplication.translate(
                "MoveRejection", "That stage belongs to another series."
            )
        case RejectionCode.SKIP_FORBIDDEN:
            skipped = params.get("skipped", [])
            names = skipped if isinstance(skipped, list) else [skipped]
            return QCoreApplication.translate(
                "MoveRejection",
                "This series does not allow skipping stages: move the deal "
                "through {stages} first.",
            ).format(stages=_quoted(names, label))
        case RejectionCode.BACKWARD_FORBIDDEN:
            return QCoreApplication.translate(
                "MoveRejection",
                "This series does not allow moving a deal back from “{source}” "
                "to “{target}”.",
            ).format(source=stage("from"), target=stage("to"))
        case RejectionCode.REOPEN_FORBIDDEN:
            if params.get("result") == "won":
                return QCoreApplication.translate(
                    "MoveRejection", "This series does not allow reopening a won deal."
                )
            return QCoreApplication.translate(
                "MoveRejection", "This series does not allow reopening a lost deal."
            )
        case RejectionCode.REQUIRED_ACTIONS_OPEN:
            localised = "actions_zh" if language.startswith("zh") else "actions"
            actions = params.get(localised) or params.get("actions", [])
            names = actions if isinstance(actions, list) else [actions]
            return QCoreApplication.translate(
                "MoveRejection",
                "Required actions of “{stage}” are not done yet: {actions}. "
                "Tick them in the deal's checklist first.",
            ).format(stage=stage("stage"), actions=_quoted(names, str))
        case RejectionCode.OUTCOME_REQUIRED:
            return QCoreApplication.translate(
                "MoveRejection",
                "Moving a deal to “{stage}” needs an outcome: record whether "
                "it was won or lost.",
            ).format(stage=stage("stage"))
        case RejectionCode.OUTCOME_MISMATCH:
            return QCoreApplication.translate(
                "MoveRejection", "Stage “{stage}” does not match the chosen result."
            ).format(stage=stage("stage"))
        case RejectionCode.OUTCOME_NOT_EXPECTED:
            return QCoreApplication.translate(
                "MoveRejection",
                "“{stage}” is an open stage: won or lost is recorded only when a "
                "deal enters a result stage.",
            ).format(stage=stage("stage"))
        case RejectionCode.DATE_IN_FUTURE:
            return QCoreApplication.translate(
                "MoveRejection",
                "The close date {date} is in the future: a won deal closes on or "
                "before today.",
            ).format(date=str(params.get("date", "")))
        case RejectionCode.REASON_REQUIRED:
            return QCoreApplication.translate(
                "MoveRejection", "A lost deal needs a reason: choose one from the list."
            )
        case RejectionCode.REASON_UNKNOWN:
            return QCoreApplication.translate(
                "MoveRejection",
                "The chosen reason is not a lost reason of this series: choose "
                "another one.",
            )
        case RejectionCode.NOTE_REQUIRED:
            return QCoreApplication.translate(
                "MoveRejection", "The reason “{reason}” needs a note that says more."
            ).format(reason=str(params.get("reason", "")))
        case RejectionCode.AMOUNT_REQUIRED:
            return QCoreApplication.translate(
                "MoveRejection", "A won deal needs its actual amount (zero or more)."
            )
        case RejectionCode.APPROVAL_PENDING:
            localised = "approval_zh" if language.startswith("zh") else "approval"
            approval = str(params.get(localised) or params.get("approval", ""))
            if params.get("status") == "rejected":
                return QCoreApplication.translate(
                    "MoveRejection",
                    "The approval “{approval}” of stage “{stage}” was rejected: "
                    "change the deal as the team lead asked, then ask for "
                    "approval again.",
                ).format(approval=approval, stage=stage("stage"))
            return QCoreApplication.translate(
                "MoveRejection",
                "The approval “{approval}” of stage “{stage}” is pending: the "
                "deal moves on once the team lead approves it.",
            ).format(approval=approval, stage=stage("stage"))
        case RejectionCode.DATE_REQUIRED:
            return QCoreApplication.translate(
                "MoveRejection", "A won deal needs the date it closed."
            )
    return rejection.message


def rejections_text(
    rejections: Iterable[Rejection],
    stage_label: Callable[[str], str] | None = None,
    language: str = "en",
) -> str:
    """Return the translated sentences of several rejections, one per line."""
    return "\n".join(rejection_text(r, stage_label, language) for r in rejections)
