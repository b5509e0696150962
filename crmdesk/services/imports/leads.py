"""Importing leads from a CSV or .xlsx file into the inbox.

Every data row of the file ends in exactly one of these counts:

- ``imported``: a new lead, stored as new;
- ``flagged``: a new lead, stored as flagged because it may be a duplicate of
  a lead, customer or contact (an earlier row of the same file included);
- ``updated``: a lead of an earlier import of the row (same key), still in the
  inbox, whose values changed; it is screened and checked again;
- ``unchanged``: a lead of an earlier import with the same values, or one that
  was converted, merged or discarded since, which a re-import leaves alone;
- ``rejected``: not stored, because a required field is empty, a phone or
  e-mail is invalid, or the row repeats an earlier row of the file.

On a first import ``imported + flagged + rejected`` is the number of rows; on a
re-import the two other counts take the rows already stored. A row's key is the
value of its ``external_key`` column when the mapping has one, else a content
key made from its screened company, person, phone and e-mail, so importing the
same file twice adds nothing. Rejected and flagged rows are listed with their
line numbers and reasons in the result and in a CSV report.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import ValidationError
from crmdesk.services.context import Actor
from crmdesk.services.duplicates import DuplicateIndex
from crmdesk.services.imports.encoding import CsvRow
from crmdesk.services.imports.lead_mapping import LeadMapping, resolve_columns
from crmdesk.services.imports.lead_table import read_lead_table
from crmdesk.services.imports.report import REPORT_FOLDER
from crmdesk.services.leads import (
    LEAD_FIELDS,
    OPEN_STATUSES,
    LeadRejectedError,
    LeadStatus,
    NewLead,
    ScreenedLead,
    apply_matches,
    candidate_of,
    owner_team_id,
    screen_lead,
    store_lead,
)
from crmdesk.storage.models import Lead

log = logging.getLogger(__name__)

CONTENT_KEY_PREFIX = "content:"


@dataclass(frozen=True)
class ListedRow:
    """A rejected or flagged row: its line, the outcome, the reason, its values."""

    line: int
    outcome: str  # "rejected" or "flagged"
    reason: str
    values: tuple[str, ...]


@dataclass
class LeadImportResult:
    """The counts and listed rows of one lead import (see the module text)."""

    source_file: Path
    rows: int
    header: tuple[str, ...] = ()
    encoding: str = ""
    imported: int = 0
    flagged: int = 0
    updated: int = 0
    unchanged: int = 0
    listed: list[ListedRow] = field(default_factory=list)
    report_path: Path | None = None
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        """The number of rejected rows."""
        return sum(1 for row in self.listed if row.outcome == "rejected")

    @property
    def rejected_rows(self) -> list[ListedRow]:
        """The rejected rows, in file order."""
        return [row for row in self.listed if row.outcome == "rejected"]

    @property
    def flagged_rows(self) -> list[ListedRow]:
        """The flagged rows, in file order."""
        return [row for row in self.listed if row.outcome == "flagged"]

    def check_counts(self) -> None:
        """Raise unless the five counts add up to the rows of the file.

        Raises:
            ValidationError: a row was counted twice or not at all; this is a bug
                in the importer, and the caller must roll back.
        """
        total = (
            self.imported + self.flagged + self.updated + self.unchanged + self.rejected
        )
        if total != self.rows:
            raise ValidationError(
                f"import of {self.source_file} counted {total} rows but the file "
                f"has {self.rows} data rows: the import was not applied"
            )


def default_lead_report_path(folder: Path, now: datetime) -> Path:
    """Return a new report file name in ``folder/import-reports``, by timestamp."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return folder / REPORT_FOLDER / f"leads-{stamp}.csv"


def write_lead_report(path: Path, result: LeadImportResult) -> Path:
    """Write the rejected and flagged rows as CSV in UTF-8 with a BOM.

    Columns: line, outcome, reason, then the columns of the source file with
    the row's original values.

    Raises:
        ValidationError: the report file cannot be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["line", "outcome", "reason", *result.header])
            for row in sorted(result.listed, key=lambda listed: listed.line):
                writer.writerow([row.line, row.outcome, row.reason, *row.values])
    except OSError as error:
        raise ValidationError(
            f"cannot write the import report {path}: {error.strerror}. "
            f"Choose another file with --report"
        ) from None
    return path


def content_key(screened: ScreenedLead) -> str:
    """Return the key of a row without an external key: a digest of its contact."""
    text = "\x1f".join(
        (
            screened.company.casefold(),
            screened.person.casefold(),
            screened.phone,
            screened.email,
        )
    )
    return CONTENT_KEY_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _new_lead(
    row: CsvRow, positions: dict[str, int], mapping: LeadMapping
) -> tuple[NewLead, str]:
    values: dict[str, str] = {}
    for name in LEAD_FIELDS:
        position = positions.get(name)
        value = ""
        if position is not None and position < len(row.values):
            value = row.values[position].strip()
        values[name] = value or mapping.defaults.get(name, "")
    key_position = positions.get("external_key")
    key = ""
    if key_position is not None and key_position < len(row.values):
        key = row.values[key_position].strip()
    lead = NewLead(
        company=values["company"],
        person=values["person"],
        job_title=values["job_title"],
        phone=values["phone"],
        email=values["email"],
        source=values["source"],
        campaign=values["campaign"],
        notes=values["notes"],
    )
    return lead, key


def _same_values(lead: Lead, screened: ScreenedLead) -> bool:
    return all(
        getattr(lead, name) == getattr(screened, name)
        for name in (*LEAD_FIELDS, "phone_raw")
    )


@dataclass
class _LeadImport:
    session: Session
    mapping: LeadMapping
    actor: Actor
    region: str
    index: DuplicateIndex
    existing: dict[str, Lead]
    result: LeadImportResult
    seen_keys: dict[str, int] = field(default_factory=dict)

    def row(self, row: CsvRow, positions: dict[str, int], width: int) -> None:
        values = tuple(row.values)
        if len(row.values) > width and any(v.strip() for v in row.values[width:]):
            self._list(
                row.line,
                "rejected",
                f"the row has {len(row.values)} values but the header has {width} "
                f"columns: check for a comma inside a value that is not quoted",
                values,
            )
            return
        new, key = _new_lead(row, positions, self.mapping)
        try:
            screened = screen_lead(new, self.region, self.mapping.required)
        except LeadRejectedError as error:
            self._list(row.line, "rejected", "; ".join(error.problems), values)
            return
        key = key or content_key(screened)
        first = self.seen_keys.get(key)
        if first is not None:
            if key.startswith(CONTENT_KEY_PREFIX):
                reason = (
                    f"the row repeats line {first} (the same company, person, "
                    f"phone and e-mail): it was imported once"
                )
            else:
                reason = (
                    f"the row has the same id {key!r} as line {first}, so only "
                    f"line {first} was imported: give each row its own id, or "
                    f"delete the repeated row"
                )
            self._list(row.line, "rejected", reason, values)
            return
        self.seen_keys[key] = row.line
        stored = self.existing.get(key)
        if stored is not None:
            self._update(stored, screened, row.line, values)
            return
        _lead, matches = store_lead(
            self.session,
            screened,
            self.actor,
            self.index,
            external_source=self.mapping.external_source,
            external_key=key,
        )
        if matches:
            self.result.flagged += 1
            reason = "possible duplicate: " + "; ".join(m.describe() for m in matches)
            self._list(row.line, "flagged", reason, values)
        else:
            self.result.imported += 1

    def _update(
        self, lead: Lead, screened: ScreenedLead, line: int, values: tuple[str, ...]
    ) -> None:
        if lead.status not in OPEN_STATUSES or _same_values(lead, screened):
            self.result.unchanged += 1
            return
        for name in (*LEAD_FIELDS, "phone_raw"):
            setattr(lead, name, getattr(screened, name))
        lead.updated_at = self.actor.at
        self.index.remove(lead.id)
        matches = self.index.find(candidate_of(lead))
        apply_matches(lead, matches)
        self.index.add_lead(lead)
        self.result.updated += 1
        if lead.status == LeadStatus.FLAGGED:
            reason = "updated, possible duplicate: " + "; ".join(
                m.describe() for m in matches
            )
            self._list(line, "flagged", reason, values)

    def _list(
        self,
        line: int,
        outcome: str,
        reason: str,
        values: tuple[str, ...],
    ) -> None:
        # The rejected count is the number of listed rejected rows; flagged rows
        # are counted by the caller, because an updated row may be flagged too.
        self.result.listed.append(ListedRow(line, outcome, reason, values))


def import_leads(
    session: Session,
    path: Path,
    mapping: LeadMapping | None,
    actor: Actor,
    *,
    region: str = DEFAULT_PHONE_REGION,
    encoding: str | None = None,
    report_path: Path | None = None,
) -> LeadImportResult:
    """Import the leads of a CSV or .xlsx file in the caller's transaction.

    The report of rejected and flagged rows is written to ``report_path`` when
    one is given and some row was rejected or flagged.

    Raises:
        FileReadError: the file cannot be read or decoded.
        MappingError: a mapped column is missing, or the file has no company or
            person column.
        ValidationError: the counts do not add up (a bug; nothing is applied
            when the caller rolls back).
    """
    started = time.perf_counter()
    table = read_lead_table(path, encoding, mapping.sheet if mapping else None)
    used, positions = resolve_columns(mapping, table.header, path)
    result = LeadImportResult(
        source_file=path,
        rows=len(table.rows),
        header=tuple(table.header),
        encoding=table.encoding,
    )
    existing = {
        lead.external_key: lead
        for lead in session.scalars(
            select(Lead).where(
                Lead.external_source == used.external_source,
                # A key is the importing team's: another team's lead with the
                # same key (an admin's store contains them) is not this row.
                Lead.team_id.is_not_distinct_from(
                    owner_team_id(session, actor.user_id)
                ),
                Lead.deleted_at.is_(None),
            )
        )
        if lead.external_key is not None
    }
    run = _LeadImport(
        session,
        used,
        actor,
        region,
        DuplicateIndex.load(session, region),
        existing,
        result,
    )
    for row in table.rows:
        run.row(row, positions, len(table.header))
    session.flush()
    result.check_counts()
    if report_path is not None and result.listed:
        result.report_path = write_lead_report(report_path, result)
    result.seconds = time.perf_counter() - started
    log.info(
        "imported leads from %s: %d rows, %d imported, %d flagged, %d updated, "
        "%d unchanged, %d rejected",
        path,
        result.rows,
        result.imported,
        result.flagged,
        result.updated,
        result.unchanged,
        result.rejected,
    )
    return result
