"""Playbooks in the store: install a playbook, and read its series back.

``install_playbook`` writes a validated ``Playbook`` into the store, matching rows
by key, so it is idempotent and updates labels, probabilities, rules and checklists
in place. The read side returns frozen records (``SeriesRecord`` and its stages,
checklists and reasons) that the stage service, the board and the command line
share. ``load_series`` builds one series with four queries.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from crmdesk.domain.errors import NotFoundError
from crmdesk.domain.playbook import (
    LocalText,
    OutcomeResult,
    SeriesRules,
    StageKind,
)
from crmdesk.domain.rules import StagePosition
from crmdesk.services.playbook_install import (
    PlaybookConflictError,
    install_playbook,
    playbook_digest,
)
from crmdesk.storage import playbook_repo
from crmdesk.storage.models import (
    ChecklistAction,
    Reason,
    Series,
    Stage,
    Team,
    User,
)

__all__ = [
    "ChecklistActionRecord",
    "CustomerStateRecord",
    "PlaybookConflictError",
    "ReasonRecord",
    "SeriesRecord",
    "StageRecord",
    "find_series",
    "install_playbook",
    "list_customer_states",
    "list_series",
    "load_series",
    "playbook_digest",
]


@dataclass(frozen=True)
class ChecklistActionRecord:
    """A checklist action of a stage as stored."""

    id: uuid.UUID
    key: str
    name: LocalText
    required: bool
    activity: str | None
    position: int


@dataclass(frozen=True)
class StageRecord:
    """A stage of a series as stored, with its checklist in order."""

    id: uuid.UUID
    series_id: uuid.UUID
    key: str
    name: LocalText
    kind: StageKind
    position: int
    default_probability: int
    exit_criterion: LocalText
    checklist: tuple[ChecklistActionRecord, ...]

    def to_position(self, language: str = "en") -> StagePosition:
        """Return the facts the transition rules need, labelled in ``language``."""
        return StagePosition(self.id, self.name.get(language), self.kind, self.position)


@dataclass(frozen=True)
class ReasonRecord:
    """A won or lost reason of a series as stored."""

    id: uuid.UUID
    key: str
    name: LocalText
    result: OutcomeResult
    note_required: bool
    position: int


@dataclass(frozen=True)
class SeriesRecord:
    """A series as stored: rules, ordered stages with checklists, and reasons."""

    id: uuid.UUID
    playbook_id: uuid.UUID
    key: str
    name: LocalText
    team_key: str
    start_state_id: uuid.UUID | None
    end_state_id: uuid.UUID | None
    currency: str
    rules: SeriesRules
    position: int
    stages: tuple[StageRecord, ...]
    reasons: tuple[ReasonRecord, ...]

    def stage(self, stage_id: uuid.UUID) -> StageRecord:
        """Return the stage with this id.

        Raises:
            NotFoundError: the stage is not one of this series.
        """
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise NotFoundError(
            f"stage {stage_id} is not a stage of series {self.key!r}: use one of "
            + ", ".join(s.key for s in self.stages)
        )

    def stage_by_key(self, key: str) -> StageRecord:
        """Return the stage with this key.

        Raises:
            NotFoundError: no stage of this series has the key.
        """
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise NotFoundError(
            f"series {self.key!r} has no stage {key!r}: use one of "
            + ", ".join(s.key for s in self.stages)
        )

    @property
    def open_stages(self) -> tuple[StageRecord, ...]:
        """The open stages, in order."""
        return tuple(s for s in self.stages if s.kind is StageKind.OPEN)

    @property
    def won_stage(self) -> StageRecord:
        """The won stage (a validated playbook has exactly one)."""
        return next(s for s in self.stages if s.kind is StageKind.WON)

    @property
    def lost_stage(self) -> StageRecord:
        """The lost stage (a validated playbook has exactly one)."""
        return next(s for s in self.stages if s.kind is StageKind.LOST)

    def reasons_for(self, result: OutcomeResult) -> tuple[ReasonRecord, ...]:
        """Return the reasons offered for a won or a lost outcome, in order."""
        return tuple(r for r in self.reasons if r.result is result)

    def stage_positions(self, language: str = "en") -> list[StagePosition]:
        """Return every stage as the facts ``rules.check_move`` takes."""
        return [stage.to_position(language) for stage in self.stages]


@dataclass(frozen=True)
class CustomerStateRecord:
    """A customer lifecycle state as stored."""

    id: uuid.UUID
    playbook_id: uuid.UUID
    key: str
    name: LocalText
    position: int


def list_series(session: Session) -> list[SeriesRecord]:
    """Return every series that is not deleted, by playbook key and position."""
    return _build_records(session, playbook_repo.live_series(session))


def home_series_id(
    session: Session, series: list[SeriesRecord], user_id: uuid.UUID | None
) -> uuid.UUID | None:
    """Return the first of ``series`` that the user's team works, or None.

    A rep of a teaching team opens on a teaching series, not on whichever
    series sorts first in a store that a sync filled with every team's
    playbooks.
    """
    if user_id is None:
        return None
    user = session.get(User, user_id)
    team = session.get(Team, user.team_id) if user and user.team_id else None
    if team is None:
        return None
    return next((s.id for s in series if s.team_key == team.key), None)


def load_series(session: Session, series_id: uuid.UUID) -> SeriesRecord:
    """Return one series with its stages, checklists and reasons.

    Raises:
        NotFoundError: no series with this id exists, or it is deleted.
    """
    rows = playbook_repo.live_series(session, series_id)
    if not rows:
        raise NotFoundError(
            f"no series has the id {series_id}: list the series to find its id"
        )
    return _build_records(session, rows)[0]


def find_series(session: Session, value: str) -> SeriesRecord:
    """Return the series named by an id, a key, or an English or Chinese name.

    Keys and names match without regard to case; a key match wins over a name
    match.

    Raises:
        NotFoundError: no series matches, or more than one does; the message lists
            the valid choices.
    """
    query = value.strip()
    series = list_series(session)
    try:
        series_id = uuid.UUID(query)
    except ValueError:
        series_id = None
    if series_id is not None:
        by_id = [s for s in series if s.id == series_id]
        if by_id:
            return by_id[0]
    folded = query.casefold()
    matches = [s for s in series if s.key.casefold() == folded]
    if not matches:
        matches = [
            s for s in series if folded in (s.name.en.casefold(), s.name.zh.casefold())
        ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise NotFoundError(
            f"series {value!r} is ambiguous: it matches "
            + "; ".join(_describe(s, with_id=True) for s in matches)
            + ". Name the series by its id"
        )
    choices = "; ".join(_describe(s, with_id=False) for s in series)
    raise NotFoundError(
        f"no series matches {value!r}: use an id, a key or a name. "
        + (f"Valid series: {choices}" if series else "No playbook is installed")
    )


def list_customer_states(session: Session) -> list[CustomerStateRecord]:
    """Return the customer states that are not deleted, in lifecycle order."""
    return [
        CustomerStateRecord(
            id=row.id,
            playbook_id=row.playbook_id,
            key=row.key,
            name=LocalText(row.name_en, row.name_zh),
            position=row.position,
        )
        for row in playbook_repo.live_states(session)
    ]


def _describe(series: SeriesRecord, *, with_id: bool) -> str:
    text = f"{series.key} ({series.name.en} / {series.name.zh})"
    return f"{text} id {series.id}" if with_id else text


def _build_records(session: Session, rows: list[Series]) -> list[SeriesRecord]:
    if not rows:
        return []
    series_ids = [row.id for row in rows]
    stages = playbook_repo.stages_of(session, series_ids, live_only=True)
    actions = playbook_repo.actions_of(
        session, [stage.id for stage in stages], live_only=True
    )
    reasons = playbook_repo.reasons_of(session, series_ids, live_only=True)

    actions_by_stage: dict[uuid.UUID, list[ChecklistActionRecord]] = defaultdict(list)
    for action in actions:
        actions_by_stage[action.stage_id].append(_action_record(action))
    stages_by_series: dict[uuid.UUID, list[StageRecord]] = defaultdict(list)
    for stage in stages:
        stages_by_series[stage.series_id].append(
            _stage_record(stage, tuple(actions_by_stage[stage.id]))
        )
    reasons_by_series: dict[uuid.UUID, list[ReasonRecord]] = defaultdict(list)
    for reason in reasons:
        reasons_by_series[reason.series_id].append(_reason_record(reason))

    return [
        SeriesRecord(
            id=row.id,
            playbook_id=row.playbook_id,
            key=row.key,
            name=LocalText(row.name_en, row.name_zh),
            team_key=row.team_key,
            start_state_id=row.start_state_id,
            end_state_id=row.end_state_id,
            currency=row.currency,
            rules=SeriesRules(
                allow_skip=row.allow_skip,
                allow_backward=row.allow_backward,
                allow_reopen=row.allow_reopen,
                checklist_gates=row.checklist_gates,
            ),
            position=row.position,
            stages=tuple(stages_by_series[row.id]),
            reasons=tuple(reasons_by_series[row.id]),
        )
        for row in rows
    ]


def _action_record(row: ChecklistAction) -> ChecklistActionRecord:
    return ChecklistActionRecord(
        id=row.id,
        key=row.key,
        name=LocalText(row.name_en, row.name_zh),
        required=row.required,
        activity=row.activity,
        position=row.position,
    )


def _stage_record(
    row: Stage, checklist: tuple[ChecklistActionRecord, ...]
) -> StageRecord:
    return StageRecord(
        id=row.id,
        series_id=row.series_id,
        key=row.key,
        name=LocalText(row.name_en, row.name_zh),
        kind=StageKind(row.kind),
        position=row.position,
        default_probability=row.default_probability,
        exit_criterion=LocalText(row.exit_criterion_en, row.exit_criterion_zh),
        checklist=checklist,
    )


def _reason_record(row: Reason) -> ReasonRecord:
    return ReasonRecord(
        id=row.id,
        key=row.key,
        name=LocalText(row.name_en, row.name_zh),
        result=OutcomeResult(row.result),
        note_required=row.note_required,
        position=row.position,
    )
