"""Install a validated playbook into the store, matching rows by key.

Every row of a playbook (state, series, stage, checklist action, reason) is found
by its key inside its parent and updated in place. Only attributes whose values
differ are assigned, so re-installing an unchanged playbook writes nothing and adds
no outbox entry. Rows whose keys left the file are soft-deleted (``deleted_at``),
never removed, because stage history and outcomes keep referring to them. A key
that comes back revives its old row. Removing a stage or series that deals are
in, or a state that customers are in, is rejected before anything is written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from crmdesk.domain.errors import ValidationError
from crmdesk.domain.ids import new_id
from crmdesk.domain.playbook import Playbook, SeriesDef, StageDef
from crmdesk.services.workspace import (
    BASE_CURRENCY,
    get_setting,
    set_base_currency,
)
from crmdesk.storage import playbook_repo
from crmdesk.storage.models import (
    ApprovalType,
    ChecklistAction,
    CustomerState,
    PlaybookRow,
    Reason,
    Series,
    Stage,
    SyncedMixin,
    Team,
)

log = logging.getLogger(__name__)

RowT = TypeVar("RowT", bound=SyncedMixin)


class PlaybookConflictError(ValidationError):
    """Installing would remove a stage, series or state that is still in use."""


def playbook_digest(playbook: Playbook) -> str:
    """Return the SHA-256 of a playbook's content; its ``source`` does not count."""
    content = dataclasses.asdict(playbook)
    content.pop("source", None)
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def install_playbook(session: Session, playbook: Playbook) -> PlaybookRow:
    """Write ``playbook`` into the store, or update the stored playbook of its key.

    Teams named by the series are created when missing. A store with no base
    currency yet takes the playbook's, so its totals read in that currency. The
    caller commits.

    Raises:
        PlaybookConflictError: the new version drops or changes the kind of a stage
            that deals are in, drops a series with deals, or drops a customer state
            that customers are in. Nothing is written in that case.
        ValidationError: a series names a customer state the playbook lacks
            (possible only for a playbook built in code, not read from a file).
    """
    _check_state_references(playbook)
    if get_setting(session, BASE_CURRENCY) is None:
        set_base_currency(session, playbook.base_currency)
    row = playbook_repo.playbook_by_key(session, playbook.key)
    if row is not None:
        _check_conflicts(session, row, playbook)

    writer = _Writer(session)
    row = writer.upsert(
        {playbook.key: row} if row is not None else {},
        playbook.key,
        PlaybookRow,
        {"key": playbook.key, "loaded_at": writer.now},
        name_en=playbook.name.en,
        name_zh=playbook.name.zh,
        revision=playbook.version,
        base_currency=playbook.base_currency,
        source=playbook.source,
        digest=playbook_digest(playbook),
        intake=playbook.intake.value,
    )
    session.flush()
    state_ids = _install_states(writer, row, playbook)
    _install_teams(writer, playbook.series)
    session.flush()
    _install_series(writer, row, playbook, state_ids)
    if writer.changed:
        writer.assign(row, loaded_at=writer.now)
        session.flush()
        log.info("installed playbook %s version %d", playbook.key, playbook.version)
    else:
        log.info("playbook %s is already installed and unchanged", playbook.key)
    return row


def _check_state_references(playbook: Playbook) -> None:
    # Playbooks built in code skip the file validation, so check what install needs.
    states = {state.key for state in playbook.states}
    for series in playbook.series:
        for state in (series.start_state, series.end_state):
            if state not in states:
                raise ValidationError(
                    f"series {series.key!r} of playbook {playbook.key!r} names "
                    f"customer state {state!r}, which the playbook does not define: "
                    "add the state or fix the series"
                )


class _Writer:
    """Assigns only changed values and records whether anything was written."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.now = datetime.now(UTC)
        self.changed = False

    def assign(self, row: SyncedMixin, **values: object) -> None:
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                self.changed = True

    def upsert(
        self,
        existing: dict[str, RowT],
        key: str,
        model: type[RowT],
        identity: dict[str, object],
        **values: object,
    ) -> RowT:
        """Update the row of ``key`` (reviving it if deleted), or add a new one.

        A new row gets a fresh id, the ``identity`` columns (its parent and key)
        and ``values``; an existing row gets only the ``values`` that differ.
        """
        row = existing.get(key)
        if row is None:
            row = model()
            row.id = new_id()  # type: ignore[attr-defined]
            for name, value in (identity | values).items():
                setattr(row, name, value)
            self.session.add(row)
            self.changed = True
        else:
            self.assign(row, deleted_at=None, **values)
        return row

    def soft_delete_missing(
        self, existing: dict[str, RowT], file_keys: Iterable[str]
    ) -> list[RowT]:
        """Soft-delete the rows whose keys are not in ``file_keys``; return them."""
        keys = set(file_keys)
        removed = [row for key, row in existing.items() if key not in keys]
        for row in removed:
            if row.deleted_at is None:
                row.deleted_at = self.now
                self.changed = True
        return removed


def _install_states(
    writer: _Writer, playbook_row: PlaybookRow, playbook: Playbook
) -> dict[str, uuid.UUID]:
    existing = {
        s.key: s for s in playbook_repo.states_of(writer.session, playbook_row.id)
    }
    ids: dict[str, uuid.UUID] = {}
    for position, state in enumerate(playbook.states):
        row = writer.upsert(
            existing,
            state.key,
            CustomerState,
            {"playbook_id": playbook_row.id, "key": state.key},
            name_en=state.name.en,
            name_zh=state.name.zh,
            position=position,
        )
        ids[state.key] = row.id
    writer.soft_delete_missing(existing, ids)
    return ids


def _install_teams(writer: _Writer, series: Iterable[SeriesDef]) -> None:
    for team_key in dict.fromkeys(s.team for s in series):
        team = playbook_repo.team_by_key(writer.session, team_key)
        if team is None:
            writer.session.add(Team(id=new_id(), key=team_key, name=team_key))
            writer.changed = True
            log.info("created team %s named by a playbook series", team_key)
        else:
            writer.assign(team, deleted_at=None)


def _install_series(
    writer: _Writer,
    playbook_row: PlaybookRow,
    playbook: Playbook,
    state_ids: dict[str, uuid.UUID],
) -> None:
    session = writer.session
    existing = {s.key: s for s in playbook_repo.series_of(session, playbook_row.id)}
    rows: list[tuple[SeriesDef, Series]] = []
    for position, series in enumerate(playbook.series):
        row = writer.upsert(
            existing,
            series.key,
            Series,
            {"playbook_id": playbook_row.id, "key": series.key},
            name_en=series.name.en,
            name_zh=series.name.zh,
            team_key=series.team,
            start_state_id=state_ids[series.start_state],
            end_state_id=state_ids[series.end_state],
            currency=series.currency,
            allow_skip=series.rules.allow_skip,
            allow_backward=series.rules.allow_backward,
            allow_reopen=series.rules.allow_reopen,
            checklist_gates=series.rules.checklist_gates,
            position=position,
        )
        rows.append((series, row))
    removed = writer.soft_delete_missing(existing, (s.key for s in playbook.series))
    session.flush()

    all_ids = [row.id for _, row in rows] + [row.id for row in removed]
    stages_by_series: dict[uuid.UUID, dict[str, Stage]] = defaultdict(dict)
    for stage in playbook_repo.stages_of(session, all_ids, live_only=False):
        stages_by_series[stage.series_id][stage.key] = stage
    reasons_by_series: dict[uuid.UUID, dict[str, Reason]] = defaultdict(dict)
    for reason in playbook_repo.reasons_of(session, all_ids, live_only=False):
        reasons_by_series[reason.series_id][f"{reason.result}:{reason.key}"] = reason

    for series_row in removed:
        stages = stages_by_series[series_row.id]
        writer.soft_delete_missing(stages, ())
        writer.soft_delete_missing(reasons_by_series[series_row.id], ())
        _soft_delete_stage_children(writer, list(stages.values()))
    for series, series_row in rows:
        _install_reasons(writer, series, series_row, reasons_by_series[series_row.id])
        _install_stages(writer, series, series_row, stages_by_series[series_row.id])


def _install_reasons(
    writer: _Writer, series: SeriesDef, series_row: Series, existing: dict[str, Reason]
) -> None:
    reason_keys: list[str] = []
    for position, reason in enumerate(series.reasons):
        key = f"{reason.result.value}:{reason.key}"
        writer.upsert(
            existing,
            key,
            Reason,
            {
                "series_id": series_row.id,
                "key": reason.key,
                "result": reason.result.value,
            },
            name_en=reason.name.en,
            name_zh=reason.name.zh,
            note_required=reason.note_required,
            position=position,
        )
        reason_keys.append(key)
    writer.soft_delete_missing(existing, reason_keys)


def _install_stages(
    writer: _Writer, series: SeriesDef, series_row: Series, existing: dict[str, Stage]
) -> None:
    rows: list[tuple[StageDef, Stage]] = []
    for position, stage in enumerate(series.stages):
        row = writer.upsert(
            existing,
            stage.key,
            Stage,
            {"series_id": series_row.id, "key": stage.key},
            name_en=stage.name.en,
            name_zh=stage.name.zh,
            kind=stage.kind.value,
            position=position,
            default_probability=stage.default_probability,
            exit_criterion_en=stage.exit_criterion.en,
            exit_criterion_zh=stage.exit_criterion.zh,
        )
        rows.append((stage, row))
    removed = writer.soft_delete_missing(existing, (s.key for s in series.stages))
    writer.session.flush()
    _soft_delete_stage_children(writer, removed)

    stage_ids = [row.id for _, row in rows]
    actions: dict[uuid.UUID, dict[str, ChecklistAction]] = defaultdict(dict)
    for action_row in playbook_repo.actions_of(
        writer.session, stage_ids, live_only=False
    ):
        actions[action_row.stage_id][action_row.key] = action_row
    for stage, stage_row in rows:
        existing_actions = actions[stage_row.id]
        for position, action in enumerate(stage.checklist):
            writer.upsert(
                existing_actions,
                action.key,
                ChecklistAction,
                {"stage_id": stage_row.id, "key": action.key},
                name_en=action.name.en,
                name_zh=action.name.zh,
                required=action.required,
                activity=action.activity,
                position=position,
            )
        writer.soft_delete_missing(existing_actions, (a.key for a in stage.checklist))
    _install_approval_types(writer, rows)


def _install_approval_types(
    writer: _Writer, rows: list[tuple[StageDef, Stage]]
) -> None:
    stage_ids = [row.id for _, row in rows]
    existing: dict[uuid.UUID, dict[str, ApprovalType]] = defaultdict(dict)
    for type_row in playbook_repo.approval_types_of(
        writer.session, stage_ids, live_only=False
    ):
        existing[type_row.stage_id][type_row.key] = type_row
    for stage, stage_row in rows:
        stage_types = existing[stage_row.id]
        for position, approval in enumerate(stage.approvals):
            writer.upsert(
                stage_types,
                approval.key,
                ApprovalType,
                {"stage_id": stage_row.id, "key": approval.key},
                name_en=approval.name.en,
                name_zh=approval.name.zh,
                blocks_promotion=approval.blocks_promotion,
                position=position,
            )
        writer.soft_delete_missing(stage_types, (a.key for a in stage.approvals))


def _soft_delete_stage_children(writer: _Writer, stages: list[Stage]) -> None:
    if not stages:
        return
    ids = [stage.id for stage in stages]
    actions = playbook_repo.actions_of(writer.session, ids, live_only=True)
    writer.soft_delete_missing({str(a.id): a for a in actions}, ())
    types = playbook_repo.approval_types_of(writer.session, ids, live_only=True)
    writer.soft_delete_missing({str(t.id): t for t in types}, ())


def _check_conflicts(session: Session, row: PlaybookRow, playbook: Playbook) -> None:
    problems: list[str] = []
    file_states = {state.key for state in playbook.states}
    live_states = [
        s for s in playbook_repo.states_of(session, row.id) if s.deleted_at is None
    ]
    dropped_states = [s for s in live_states if s.key not in file_states]
    customers = playbook_repo.count_live_customers_by_state(
        session, [s.id for s in dropped_states]
    )
    for state in dropped_states:
        if customers.get(state.id):
            problems.append(
                f"customer state {state.key!r} ({state.name_en}) is no longer in the "
                f"playbook but {_count(customers[state.id], 'customer')} in it: "
                "move them to another state first, or keep the state in the file"
            )

    file_series = {series.key: series for series in playbook.series}
    live_series = [
        s for s in playbook_repo.series_of(session, row.id) if s.deleted_at is None
    ]
    stages = playbook_repo.stages_of(
        session, [s.id for s in live_series], live_only=True
    )
    deals = playbook_repo.count_live_deals_by_stage(session, [s.id for s in stages])
    series_keys = {s.id: s.key for s in live_series}
    for stage in stages:
        count = deals.get(stage.id, 0)
        if count == 0:
            continue
        problem = _stage_conflict(stage, file_series.get(series_keys[stage.series_id]))
        if problem:
            problems.append(
                f"stage {stage.key!r} ({stage.name_en}) of series "
                f"{series_keys[stage.series_id]!r} {problem} but "
                f"{_count(count, 'deal')} in it: move them to another stage "
                "first, or keep the stage as it is in the file"
            )
    if problems:
        origin = f" from {playbook.source}" if playbook.source else ""
        raise PlaybookConflictError(
            f"cannot install playbook {playbook.key!r}{origin}: " + "; ".join(problems)
        )


def _stage_conflict(stage: Stage, series: SeriesDef | None) -> str:
    if series is None:
        return "belongs to a series that is no longer in the playbook"
    for new_stage in series.stages:
        if new_stage.key == stage.key:
            if new_stage.kind.value != stage.kind:
                return f"changes kind from {stage.kind} to {new_stage.kind.value}"
            return ""
    return "is no longer in the playbook"


def _count(number: int, noun: str) -> str:
    verb = "is" if number == 1 else "are"
    return f"{number} {noun}{'' if number == 1 else 's'} {verb}"
