"""Importing deals from any CSV file through a column-mapping file.

Each row becomes one deal of the mapping's series. The file gives only the
current stage, so the history written is short:

- an open deal is created in its stage, at the ``created`` date when the
  mapping names that column, else at the time of the import;
- a won deal is created in the last open stage and moved to the won stage at
  its close date;
- a lost deal is created in the first open stage and moved to the lost stage
  at its close date;
- closed deals are created at the ``created`` date, else on the close date.

Rows with bad values are rejected one by one with a reason naming the value;
a mapping that does not fit the file or the series rejects the whole file.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from crmdesk.config.memory import collection_paused
from crmdesk.domain.errors import ValidationError
from crmdesk.domain.money import Money, check_currency
from crmdesk.domain.playbook import OutcomeResult, StageKind
from crmdesk.services.context import Actor
from crmdesk.services.customers import NewCustomer, create_customer
from crmdesk.services.imports import store
from crmdesk.services.imports.encoding import CsvRow, CsvTable, read_csv
from crmdesk.services.imports.mapping import (
    DealMapping,
    MappingError,
    OwnerPolicy,
    check_columns,
    fold_value,
)
from crmdesk.services.imports.report import (
    ImportResult,
    RejectedRow,
    write_report,
)
from crmdesk.services.imports.writer import (
    DealPlan,
    DealWriter,
    RowRejectedError,
    RowStatus,
    event_time,
)
from crmdesk.services.playbooks import (
    ReasonRecord,
    SeriesRecord,
    StageRecord,
    find_series,
)
from crmdesk.services.stages import OutcomeInput
from crmdesk.services.workspace import ensure_user
from crmdesk.storage.models import Customer, User

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class _Resolved:
    """The mapping's value tables resolved against the series."""

    stages: dict[str, StageRecord]
    lost_reasons: dict[str, ReasonRecord]
    default_lost_reason: ReasonRecord | None


def _resolve(mapping: DealMapping, series: SeriesRecord) -> _Resolved:
    problems: list[str] = []
    stage_keys = {stage.key: stage for stage in series.stages}
    stages: dict[str, StageRecord] = {}
    for value, key in mapping.stages.items():
        stage = stage_keys.get(key)
        if stage is None:
            problems.append(
                f"[stages] maps {value!r} to {key!r}, which is not a stage of series "
                f"{series.key!r}: use one of " + ", ".join(stage_keys)
            )
        else:
            stages[value] = stage
    reason_keys = {r.key: r for r in series.reasons_for(OutcomeResult.LOST)}
    reasons: dict[str, ReasonRecord] = {}
    for value, key in mapping.lost_reasons.items():
        reason = reason_keys.get(key)
        if reason is None:
            problems.append(
                f"[lost_reasons] maps {value!r} to {key!r}, which is not a lost "
                f"reason of series {series.key!r}: use one of " + ", ".join(reason_keys)
            )
        else:
            reasons[value] = reason
    default = None
    if mapping.default_lost_reason is not None:
        default = reason_keys.get(mapping.default_lost_reason)
        if default is None:
            problems.append(
                f"default_lost_reason {mapping.default_lost_reason!r} is not a lost "
                f"reason of series {series.key!r}: use one of " + ", ".join(reason_keys)
            )
    if problems:
        raise MappingError(mapping.path, problems)
    return _Resolved(stages, reasons, default)


@dataclasses.dataclass(frozen=True)
class _Pending:
    """The customer and owner a row needs, created once it passed the rules."""

    customer_name: str
    owner_text: str


class _RowReader:
    """Turns CSV rows into deal plans, creating customers and owners on demand."""

    def __init__(
        self,
        session: Session,
        mapping: DealMapping,
        table: CsvTable,
        series: SeriesRecord,
        actor: Actor,
    ) -> None:
        self.session = session
        self.mapping = mapping
        self.table = table
        self.series = series
        self.actor = actor
        self.resolved = _resolve(mapping, series)
        self.currency = mapping.currency or series.currency
        self.index = table.column_index()
        self.customers: dict[str, Customer] = store.customers_by_key(
            session, mapping.source
        )
        self.users: dict[str, User] = {}
        for user in store.users_by_login(session).values():
            self.users.setdefault(fold_value(user.display_name), user)
        for user in store.users_by_login(session).values():
            # A login match wins over a display name match.
            self.users[fold_value(user.login)] = user
        self.seen_keys: dict[str, int] = {}

    def value(self, row: CsvRow, field: str) -> str:
        column = self.mapping.column(field)
        if column is None:
            return ""
        return row.values[self.index[column]].strip()

    def _describe(self, field: str, value: str) -> str:
        return f"{value!r} in column {self.mapping.column(field)!r}"

    def _date(self, row: CsvRow, field: str) -> date | None:
        text = self.value(row, field)
        if not text:
            return None
        try:
            return datetime.strptime(text, self.mapping.date_format).date()
        except ValueError:
            raise RowRejectedError(
                f"invalid date {self._describe(field, text)}: write it as "
                f"{self.mapping.date_format!r}, for example "
                f"{date(2024, 3, 14).strftime(self.mapping.date_format)!r}"
            ) from None

    def _amount(self, row: CsvRow, field: str, currency: str) -> Decimal | None:
        text = self.value(row, field)
        if not text:
            return None
        try:
            money = Money.parse(text, currency)
        except ValidationError:
            raise RowRejectedError(
                f"invalid amount {self._describe(field, text)}: write a number such "
                f"as 1234.50 with at most the decimals {currency} has"
            ) from None
        if money.minor < 0:
            raise RowRejectedError(
                f"invalid amount {self._describe(field, text)}: it is negative"
            )
        return money.amount

    def _stage(self, row: CsvRow) -> StageRecord:
        text = self.value(row, "stage")
        if not text:
            raise RowRejectedError(
                f"empty stage in column {self.mapping.column('stage')!r}"
            )
        stage = self.resolved.stages.get(fold_value(text))
        if stage is None:
            raise RowRejectedError(
                f"unknown stage {self._describe('stage', text)}: add it to [stages] "
                f"in {self.mapping.path.name}"
            )
        return stage

    def _owner(self, row: CsvRow) -> tuple[User | None, str]:
        text = self.value(row, "owner")
        if not text:
            return None, ""
        user = self.users.get(fold_value(text))
        if user is None and self.mapping.owners is OwnerPolicy.EXISTING:
            raise RowRejectedError(
                f"unknown owner {self._describe('owner', text)}: no user has this "
                f'login or name. Create the user, or set owners = "create" in '
                f"{self.mapping.path.name}"
            )
        return user, text

    def _outcome(
        self, row: CsvRow, stage: StageRecord, amount: Decimal | None, currency: str
    ) -> tuple[OutcomeInput | None, date | None]:
        if not stage.kind.is_result:
            return None, None
        close = self._date(row, "close_date")
        if close is None:
            raise RowRejectedError(
                f"a {stage.kind.value} deal needs its close date: fill column "
                f"{self.mapping.column('close_date') or 'close_date (not mapped)'!r}"
            )
        actual = self._amount(row, "actual_amount", currency)
        note = self.value(row, "outcome_note")
        if stage.kind is StageKind.WON:
            actual = actual if actual is not None else amount
            if actual is None:
                raise RowRejectedError(
                    "a won deal needs its actual amount: fill the actual_amount or "
                    "amount column"
                )
            return OutcomeInput(
                OutcomeResult.WON, actual_amount=actual, actual_date=close, note=note
            ), close
        reason_text = self.value(row, "lost_reason")
        if reason_text:
            reason = self.resolved.lost_reasons.get(fold_value(reason_text))
            if reason is None:
                raise RowRejectedError(
                    f"unknown lost reason {self._describe('lost_reason', reason_text)}"
                    f": add it to [lost_reasons] in {self.mapping.path.name}"
                )
        else:
            reason = self.resolved.default_lost_reason
            if reason is None:
                raise RowRejectedError(
                    "a lost deal needs a lost reason: fill the lost_reason column or "
                    "set default_lost_reason in the mapping"
                )
        return OutcomeInput(
            OutcomeResult.LOST,
            reason_id=reason.id,
            note=note,
            actual_amount=actual,
            actual_date=close,
        ), close

    def plan(self, row: CsvRow) -> tuple[DealPlan, _Pending]:
        """Check one row and build its plan, with the rows to create before it.

        Raises:
            RowRejectedError: a value is missing or invalid.
        """
        if len(row.values) != len(self.table.header):
            raise RowRejectedError(
                f"the row has {len(row.values)} values but the header has "
                f"{len(self.table.header)} columns: check the quoting and commas"
            )
        external_key = self.value(row, "external_key") or None
        if self.mapping.column("external_key") is not None and external_key is None:
            raise RowRejectedError(
                f"empty id in column {self.mapping.column('external_key')!r}"
            )
        if external_key is not None:
            first = self.seen_keys.setdefault(external_key, row.line)
            if first != row.line:
                raise RowRejectedError(
                    f"duplicate id {self._describe('external_key', external_key)}: "
                    f"line {first} has the same id"
                )
        title = self.value(row, "title")
        if not title:
            raise RowRejectedError(
                f"empty title in column {self.mapping.column('title')!r}"
            )
        stage = self._stage(row)
        currency_text = self.value(row, "currency")
        try:
            currency = check_currency(currency_text) if currency_text else self.currency
        except ValidationError:
            raise RowRejectedError(
                f"invalid currency {self._describe('currency', currency_text)}: use "
                f"an ISO 4217 code such as CNY or USD"
            ) from None
        amount = self._amount(row, "amount", currency)
        expected_close = self._date(row, "expected_close")
        created = self._date(row, "created")
        owner, owner_text = self._owner(row)
        outcome, close = self._outcome(row, stage, amount, currency)
        if created is not None and close is not None and created > close:
            raise RowRejectedError(
                f"the deal was created on {created} but closed on {close}, earlier"
            )
        pending = _Pending(self.value(row, "customer"), owner_text)
        plan = self._build(
            row,
            external_key,
            title,
            stage,
            currency,
            amount,
            expected_close,
            created,
            close,
            outcome,
            owner,
        )
        return plan, pending

    def _build(
        self,
        row: CsvRow,
        external_key: str | None,
        title: str,
        stage: StageRecord,
        currency: str,
        amount: Decimal | None,
        expected_close: date | None,
        created: date | None,
        close: date | None,
        outcome: OutcomeInput | None,
        owner: User | None,
    ) -> DealPlan:
        open_stages = self.series.open_stages
        if stage.kind is StageKind.WON:
            start = open_stages[-1]
        elif stage.kind is StageKind.LOST:
            start = open_stages[0]
        else:
            start = stage
        created_day = created or close
        created_at = event_time(created_day) if created_day else self.actor.at
        target_at = event_time(close, 1) if close else created_at
        return DealPlan(
            line=row.line,
            external_key=external_key,
            title=title,
            series_id=self.series.id,
            start_stage=start,
            created_at=created_at,
            target_stage=stage,
            target_at=target_at,
            currency=currency,
            owner_id=owner.id if owner else None,
            amount=amount,
            expected_close=expected_close,
            outcome=outcome,
            actor_user_id=owner.id if owner else self.actor.user_id,
        )

    def prepare(self, plan: DealPlan, pending: _Pending) -> DealPlan:
        """Create the customer and owner of a checked row; return the plan with ids."""
        customer_name = pending.customer_name
        owner_text = pending.owner_text
        customer_id = None
        if customer_name:
            customer = self.customers.get(customer_name)
            if customer is None:
                customer = create_customer(
                    self.session,
                    NewCustomer(
                        name=customer_name,
                        external_source=self.mapping.source,
                        external_key=customer_name,
                    ),
                    self.actor,
                )
                self.customers[customer_name] = customer
            customer_id = customer.id
        owner_id = plan.owner_id
        if owner_text and owner_id is None:
            user = ensure_user(self.session, owner_text, owner_text, role="rep")
            self.users[fold_value(owner_text)] = user
            owner_id = user.id
        return dataclasses.replace(
            plan,
            customer_id=customer_id,
            owner_id=owner_id,
            actor_user_id=owner_id or plan.actor_user_id,
        )


@collection_paused()
def import_deals(
    session: Session,
    csv_path: Path,
    mapping: DealMapping,
    actor: Actor,
    *,
    encoding: str | None = None,
    report_path: Path | None = None,
) -> ImportResult:
    """Import the deals of a CSV file as the mapping describes.

    The caller owns the transaction. Rejected rows are listed in the result and,
    when ``report_path`` is given and a row was rejected, written there as CSV.

    Raises:
        FileReadError: the file cannot be read or decoded.
        MappingError: the mapping names a column the file lacks, or a stage or
            reason the series lacks.
        NotFoundError: the mapping's series does not exist.
    """
    started = time.perf_counter()
    table = read_csv(csv_path, encoding)
    check_columns(mapping, table.header, csv_path)
    series = find_series(session, mapping.series)
    reader = _RowReader(session, mapping, table, series, actor)
    writer = DealWriter(session, series, mapping.source)
    result = ImportResult(csv_path, rows=len(table.rows), encoding=table.encoding)
    header = tuple(table.header)
    for row in table.rows:
        try:
            plan, pending = reader.plan(row)
            status = writer.write(
                plan, functools.partial(reader.prepare, pending=pending)
            )
        except RowRejectedError as error:
            result.rejected_rows.append(
                RejectedRow(
                    csv_path.name, row.line, str(error), header, tuple(row.values)
                )
            )
            continue
        if status is RowStatus.IMPORTED:
            result.imported += 1
        elif status is RowStatus.UPDATED:
            result.updated += 1
        else:
            result.unchanged += 1
    writer.finish()
    if mapping.column("external_key") is None:
        result.warnings.append(
            "the mapping names no external_key column, so importing this file "
            "again creates its deals again"
        )
    result.check_counts()
    if report_path is not None and result.rejected_rows:
        result.report_path = write_report(report_path, result.rejected_rows)
    result.seconds = time.perf_counter() - started
    log.info(
        "imported %s: %d new, %d updated, %d unchanged, %d rejected in %.2f s",
        csv_path.name,
        result.imported,
        result.updated,
        result.unchanged,
        result.rejected,
        result.seconds,
    )
    return result
