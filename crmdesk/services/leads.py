"""The leads inbox: adding, screening, listing, flag review and discarding leads.

Every entry point (the Add lead dialog, ``crmdesk leads add`` and the import)
goes through ``screen_lead`` and ``store_lead``:

- a lead is rejected, and nothing is written, when it lacks a required field
  (a company or a person name, and a phone or an e-mail) or has an invalid phone
  number or e-mail address. The rep has to correct the value first;
- a lead is stored as ``flagged`` when it may be a duplicate of an open lead, a
  customer or a contact (see duplicates.py). It waits in the inbox for review:
  merge it into the other lead, convert it into the existing customer, clear the
  flag when it is a different company or person, or discard it;
- otherwise it is stored as ``new``.

Merging lives in lead_merge.py and conversion in lead_conversion.py.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.services.context import Actor
from crmdesk.services.duplicates import (
    Candidate,
    DuplicateIndex,
    DuplicateMatch,
    RecordKind,
    decode_matches,
    encode_matches,
)
from crmdesk.services.lookups import MIN_ID_PREFIX, ids_starting_with
from crmdesk.services.screening import check_email, normalise_phone
from crmdesk.storage.models import Lead, PlaybookRow, User


class LeadStatus(StrEnum):
    """The status of a lead; the model's docstring gives the meaning of each."""

    NEW = "new"
    FLAGGED = "flagged"
    CONVERTED = "converted"
    MERGED = "merged"
    DISCARDED = "discarded"


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.FLAGGED)

LEAD_FIELDS = (
    "company",
    "person",
    "job_title",
    "phone",
    "email",
    "source",
    "campaign",
    "notes",
)
"""The fields of a lead a rep types or an import maps, in form order."""


class LeadRejectedError(ValidationError):
    """A lead failed screening; ``problems`` lists every reason, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class NewLead:
    """The fields of a lead as typed or imported, before screening."""

    company: str = ""
    person: str = ""
    job_title: str = ""
    phone: str = ""
    email: str = ""
    source: str = ""
    campaign: str = ""
    notes: str = ""
    owner_id: uuid.UUID | None = None
    external_source: str | None = None
    external_key: str | None = None


@dataclass(frozen=True)
class ScreenedLead:
    """A lead that passed screening: ``phone`` in E.164 form, ``email`` lower-case."""

    company: str
    person: str
    job_title: str
    phone: str
    phone_raw: str
    email: str
    source: str
    campaign: str
    notes: str


def screen_lead(
    new: NewLead,
    region: str = DEFAULT_PHONE_REGION,
    required: tuple[str, ...] = (),
) -> ScreenedLead:
    """Check a lead's required fields, phone and e-mail; return the stored values.

    A lead always needs a company or a person, and a phone or an e-mail.
    ``required`` names further fields that must not be empty (from an import's
    mapping file).

    Raises:
        LeadRejectedError: listing every problem found.
    """
    problems: list[str] = []
    company = new.company.strip()
    person = new.person.strip()
    if not company and not person:
        problems.append("missing name: enter a company or a person")
    phone = ""
    try:
        number = normalise_phone(new.phone, region)
        phone = "" if number is None else number.e164
    except ValidationError as error:
        problems.append(str(error))
    email = ""
    try:
        email = check_email(new.email)
    except ValidationError as error:
        problems.append(str(error))
    if not new.phone.strip() and not new.email.strip():
        problems.append(
            "missing phone and e-mail: enter at least one way to reach them"
        )
    for name in required:
        if name in LEAD_FIELDS and not str(getattr(new, name)).strip():
            problems.append(f"missing {name.replace('_', ' ')}: the field is required")
    if problems:
        raise LeadRejectedError(problems)
    return ScreenedLead(
        company=company,
        person=person,
        job_title=new.job_title.strip(),
        phone=phone,
        phone_raw=new.phone.strip(),
        email=email,
        source=new.source.strip(),
        campaign=new.campaign.strip(),
        notes=new.notes.strip(),
    )


def candidate_of(lead: Lead | ScreenedLead, **extra: object) -> Candidate:
    """Return the duplicate-check candidate of a lead.

    A stored lead skips the records a user marked it as not a duplicate of, as
    well as any given in ``exclude``.
    """
    candidate = Candidate(
        company=lead.company, person=lead.person, phone=lead.phone, email=lead.email
    )
    if isinstance(lead, Lead):
        candidate = replace(
            candidate,
            lead_id=lead.id,
            customer_id=lead.converted_customer_id,
            exclude=not_duplicate_ids(lead),
        )
    given = extra.pop("exclude", frozenset())
    if isinstance(given, frozenset | set):
        candidate = replace(candidate, exclude=candidate.exclude | frozenset(given))
    return replace(candidate, **extra)  # type: ignore[arg-type]


def not_duplicate_ids(lead: Lead) -> frozenset[uuid.UUID]:
    """Return the ids of the records a user marked ``lead`` as not a duplicate of."""
    if not lead.not_duplicate_of:
        return frozenset()
    try:
        texts = json.loads(lead.not_duplicate_of)
        return frozenset(uuid.UUID(str(text)) for text in texts)
    except (ValueError, TypeError):
        return frozenset()


def apply_matches(lead: Lead, matches: list[DuplicateMatch]) -> None:
    """Set a lead's status and flag fields from its duplicate matches."""
    if not matches:
        lead.status = LeadStatus.NEW
        lead.flag_reason = ""
        lead.duplicate_of_lead_id = None
        lead.duplicate_of_customer_id = None
        return
    lead.status = LeadStatus.FLAGGED
    lead.flag_reason = encode_matches(matches)
    lead.duplicate_of_lead_id = next(
        (m.record_id for m in matches if m.record is RecordKind.LEAD), None
    )
    lead.duplicate_of_customer_id = next(
        (m.record_id for m in matches if m.record is RecordKind.CUSTOMER), None
    )


def owner_team_id(session: Session, owner_id: uuid.UUID | None) -> uuid.UUID | None:
    """Return the team of the user who owns a new lead, or None without one."""
    if owner_id is None:
        return None
    owner = session.get(User, owner_id)
    if owner is None:
        raise NotFoundError(f"user {owner_id} not found")
    return owner.team_id


def store_lead(
    session: Session,
    screened: ScreenedLead,
    actor: Actor,
    index: DuplicateIndex,
    *,
    owner_id: uuid.UUID | None = None,
    external_source: str | None = None,
    external_key: str | None = None,
) -> tuple[Lead, list[DuplicateMatch]]:
    """Write a screened lead as new or flagged and add it to ``index``."""
    owner = owner_id or actor.user_id
    lead = Lead(
        team_id=owner_team_id(session, owner),
        owner_id=owner,
        company=screened.company,
        person=screened.person,
        job_title=screened.job_title,
        phone=screened.phone,
        phone_raw=screened.phone_raw,
        email=screened.email,
        source=screened.source,
        campaign=screened.campaign,
        notes=screened.notes,
        external_source=external_source,
        external_key=external_key,
        created_at=actor.at,
        updated_at=actor.at,
        created_by=actor.user_id,
    )
    matches = index.find(candidate_of(screened))
    apply_matches(lead, matches)
    session.add(lead)
    session.flush()
    index.add_lead(lead)
    return lead, matches


def add_lead(
    session: Session,
    new: NewLead,
    actor: Actor,
    *,
    region: str = DEFAULT_PHONE_REGION,
) -> tuple[Lead, list[DuplicateMatch]]:
    """Screen a lead, check it for duplicates and store it as new or flagged.

    Returns the stored lead and its duplicate matches (empty for a new lead).

    Raises:
        LeadRejectedError: a required field is empty or a value is invalid.
        NotFoundError: the owner does not exist.
    """
    screened = screen_lead(new, region)
    index = DuplicateIndex.load(session, region)
    return store_lead(
        session,
        screened,
        actor,
        index,
        owner_id=new.owner_id,
        external_source=new.external_source,
        external_key=new.external_key,
    )


@dataclass(frozen=True)
class LeadRecord:
    """A lead as the inbox, the command line and the dialogs show it."""

    id: uuid.UUID
    status: LeadStatus
    company: str
    person: str
    job_title: str
    phone: str
    phone_raw: str
    email: str
    source: str
    campaign: str
    notes: str
    owner: str
    matches: tuple[DuplicateMatch, ...]
    merged_into_id: uuid.UUID | None
    converted_customer_id: uuid.UUID | None
    converted_opportunity_id: uuid.UUID | None
    external_key: str | None
    created_at: datetime

    @property
    def name(self) -> str:
        """The company, else the person: how the inbox names the lead."""
        return self.company or self.person

    def flag_text(self) -> str:
        """Return the English reasons of the flag, one per match, joined by "; "."""
        return "; ".join(match.describe() for match in self.matches)


def _record(lead: Lead, owners: dict[uuid.UUID, str]) -> LeadRecord:
    return LeadRecord(
        id=lead.id,
        status=LeadStatus(lead.status),
        company=lead.company,
        person=lead.person,
        job_title=lead.job_title,
        phone=lead.phone,
        phone_raw=lead.phone_raw,
        email=lead.email,
        source=lead.source,
        campaign=lead.campaign,
        notes=lead.notes,
        owner=owners.get(lead.owner_id, "") if lead.owner_id else "",
        matches=tuple(decode_matches(lead.flag_reason)),
        merged_into_id=lead.merged_into_id,
        converted_customer_id=lead.converted_customer_id,
        converted_opportunity_id=lead.converted_opportunity_id,
        external_key=lead.external_key,
        created_at=lead.created_at,
    )


def _owner_names(session: Session) -> dict[uuid.UUID, str]:
    rows = session.execute(select(User.id, User.display_name))
    return {user_id: name for user_id, name in rows}


def offers_leads_inbox(session: Session) -> bool:
    """Return whether the interface offers the leads inbox.

    A store whose playbooks all have ``intake = "customers"`` registers customers
    directly, so the inbox is hidden there, unless the store already holds leads
    (imported or synced), which must stay reachable. A store without playbooks
    offers it.
    """
    intakes = set(
        session.scalars(
            select(PlaybookRow.intake).where(PlaybookRow.deleted_at.is_(None))
        )
    )
    if not intakes or "leads" in intakes:
        return True
    return session.scalar(select(Lead.id).limit(1)) is not None


def list_leads(
    session: Session,
    statuses: tuple[str, ...] = (),
    text: str = "",
    limit: int | None = None,
) -> list[LeadRecord]:
    """Return leads, newest first, optionally of some statuses or matching text.

    ``text`` matches company, person, phone, e-mail, source and campaign without
    regard to case.

    Raises:
        ValidationError: a status is not one of new, flagged, converted, merged
            or discarded.
    """
    for status in statuses:
        if status not in LeadStatus.__members__.values():
            raise ValidationError(
                f"unknown lead status {status!r}: use one of "
                + ", ".join(s.value for s in LeadStatus)
            )
    query = select(Lead).where(Lead.deleted_at.is_(None))
    if statuses:
        query = query.where(Lead.status.in_(statuses))
    needle = text.strip()
    if needle:
        pattern = f"%{needle}%"
        query = query.where(
            or_(
                Lead.company.ilike(pattern),
                Lead.person.ilike(pattern),
                Lead.phone.ilike(pattern),
                Lead.phone_raw.ilike(pattern),
                Lead.email.ilike(pattern),
                Lead.source.ilike(pattern),
                Lead.campaign.ilike(pattern),
            )
        )
    query = query.order_by(Lead.created_at.desc(), Lead.id)
    if limit is not None:
        query = query.limit(limit)
    owners = _owner_names(session)
    return [_record(lead, owners) for lead in session.scalars(query)]


def get_lead(session: Session, lead_id: uuid.UUID) -> Lead:
    """Return a lead that is not deleted.

    Raises:
        NotFoundError: no lead has this id.
    """
    lead = session.get(Lead, lead_id)
    if lead is None or lead.deleted_at is not None:
        raise NotFoundError(f"lead {lead_id} not found: list the leads to find its id")
    return lead


def load_lead(session: Session, lead_id: uuid.UUID) -> LeadRecord:
    """Return one lead as a record.

    Raises:
        NotFoundError: no lead has this id.
    """
    return _record(get_lead(session, lead_id), _owner_names(session))


def find_lead(session: Session, value: str) -> Lead:
    """Return the lead named by its id, the start of its id, or its external key.

    Raises:
        NotFoundError: nothing matches, or a prefix matches several leads.
    """
    query = value.strip()
    try:
        return get_lead(session, uuid.UUID(query))
    except ValueError:
        pass
    by_key = list(
        session.scalars(
            select(Lead).where(Lead.external_key == query, Lead.deleted_at.is_(None))
        )
    )
    if len(by_key) == 1:
        return by_key[0]
    if len(query) >= MIN_ID_PREFIX:
        live = session.scalars(select(Lead.id).where(Lead.deleted_at.is_(None)))
        prefix = ids_starting_with(live, query)
        if len(prefix) == 1:
            return get_lead(session, prefix[0])
        if len(prefix) > 1:
            raise NotFoundError(
                f"lead {value!r} is ambiguous: {len(prefix)} leads have ids that "
                f"start with it. Give more of the id"
            )
    raise NotFoundError(
        f"no lead matches {value!r}: give its id (or its first characters) or "
        f"its external key, as `crmdesk leads list` shows them"
    )


def require_open(lead: Lead, action: str) -> None:
    """Raise unless the lead is new or flagged.

    Raises:
        ValidationError: the lead was converted, merged or discarded.
    """
    if lead.status not in OPEN_STATUSES:
        name = lead.company or lead.person
        raise ValidationError(
            f"cannot {action} lead {name!r}: it is {lead.status}, so it is no "
            f"longer in the inbox"
        )


def clear_flag(session: Session, lead_id: uuid.UUID, actor: Actor) -> Lead:
    """Mark a flagged lead as not a duplicate: it becomes new again.

    Raises:
        NotFoundError: no lead has this id.
        ValidationError: the lead is not flagged.
    """
    lead = get_lead(session, lead_id)
    if lead.status != LeadStatus.FLAGGED:
        raise ValidationError(
            f"lead {lead.company or lead.person!r} is {lead.status}, not flagged: "
            f"there is no flag to clear"
        )
    dismissed = {match.record_id for match in decode_matches(lead.flag_reason)}
    dismissed.update(
        record_id
        for record_id in (lead.duplicate_of_lead_id, lead.duplicate_of_customer_id)
        if record_id is not None
    )
    known = not_duplicate_ids(lead) | dismissed
    lead.not_duplicate_of = json.dumps(sorted(str(record_id) for record_id in known))
    apply_matches(lead, [])
    lead.updated_at = actor.at
    return lead


def discard_lead(
    session: Session, lead_id: uuid.UUID, actor: Actor, note: str = ""
) -> Lead:
    """Discard an open lead (spam, no interest); it stays stored with its values.

    ``note`` is added to the lead's notes.

    Raises:
        NotFoundError: no lead has this id.
        ValidationError: the lead was already converted, merged or discarded.
    """
    lead = get_lead(session, lead_id)
    require_open(lead, "discard")
    lead.status = LeadStatus.DISCARDED
    if note.strip():
        lead.notes = f"{lead.notes}\n{note.strip()}".strip()
    lead.updated_at = actor.at
    return lead


def edit_lead(
    session: Session,
    lead_id: uuid.UUID,
    changes: dict[str, str],
    actor: Actor,
    *,
    region: str = DEFAULT_PHONE_REGION,
) -> tuple[Lead, list[DuplicateMatch]]:
    """Change fields of an open lead, screen it again and check for duplicates.

    ``changes`` maps names of ``LEAD_FIELDS`` to their new text; other fields
    keep their values. The phone is read from what was typed (``phone_raw``),
    so an edit of the e-mail alone does not reformat it.

    Raises:
        NotFoundError: the lead does not exist.
        ValidationError: the lead is not open, or a field name is unknown.
        LeadRejectedError: the changed lead fails screening, listing every
            problem; nothing is changed then.
    """
    unknown = sorted(set(changes) - set(LEAD_FIELDS))
    if unknown:
        raise ValidationError(
            f"unknown lead field {', '.join(unknown)}: use {', '.join(LEAD_FIELDS)}"
        )
    lead = get_lead(session, lead_id)
    require_open(lead, "edit")
    values = {name: str(getattr(lead, name)) for name in LEAD_FIELDS}
    values["phone"] = lead.phone_raw or lead.phone
    values.update(changes)
    screened = screen_lead(
        NewLead(
            company=values["company"],
            person=values["person"],
            job_title=values["job_title"],
            phone=values["phone"],
            email=values["email"],
            source=values["source"],
            campaign=values["campaign"],
            notes=values["notes"],
        ),
        region,
    )
    for name in (*LEAD_FIELDS, "phone_raw"):
        setattr(lead, name, getattr(screened, name))
    lead.updated_at = actor.at
    session.flush()
    index = DuplicateIndex.load(session, region)
    matches = index.find(candidate_of(lead))
    apply_matches(lead, matches)
    return lead, matches


def recheck_lead(
    session: Session,
    lead_id: uuid.UUID,
    actor: Actor,
    *,
    region: str = DEFAULT_PHONE_REGION,
    index: DuplicateIndex | None = None,
    exclude: frozenset[uuid.UUID] = frozenset(),
) -> list[DuplicateMatch]:
    """Check an open lead for duplicates again and set new or flagged."""
    lead = get_lead(session, lead_id)
    require_open(lead, "check")
    known = index if index is not None else DuplicateIndex.load(session, region)
    matches = known.find(candidate_of(lead, exclude=exclude))
    apply_matches(lead, matches)
    lead.updated_at = actor.at
    return matches
