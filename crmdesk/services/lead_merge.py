"""Merging two leads that are the same company or person.

The rep keeps one lead and folds the other into it, field by field: for each
field in ``take_other`` the kept lead takes the other lead's value. No value is
lost:

- a non-empty value of either lead that the kept lead does not end up with is
  written into the kept lead's notes, under a line naming the merged lead;
- the notes of both leads are kept, the other's after the kept lead's;
- the other lead stays stored with all its values, with status ``merged`` and
  ``merged_into_id`` naming the kept lead, so its external key still makes a
  re-import of its row find it.

The kept lead, and every open lead that was flagged against the merged one,
are checked for duplicates again afterwards. The merged lead is no longer in
the inbox, so flags that pointed at it go away or point at the kept lead.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import ValidationError
from crmdesk.services.context import Actor
from crmdesk.services.duplicates import DuplicateIndex
from crmdesk.services.leads import (
    OPEN_STATUSES,
    LeadStatus,
    get_lead,
    recheck_lead,
    require_open,
)
from crmdesk.storage.models import Lead

MERGE_FIELDS = (
    "company",
    "person",
    "job_title",
    "phone",
    "email",
    "source",
    "campaign",
)
"""The fields a merge chooses between; notes are always combined."""

_LABELS = {
    "company": "company",
    "person": "person",
    "job_title": "job title",
    "phone": "phone",
    "email": "e-mail",
    "source": "source",
    "campaign": "campaign",
}


def default_choices(keep: object, other: object) -> set[str]:
    """Return the fields a merge takes from ``other`` unless the rep chooses.

    These are the fields that are empty on the kept lead and filled on the other.
    ``keep`` and ``other`` are leads or lead records (any object with the fields).
    """
    return {
        name
        for name in MERGE_FIELDS
        if not getattr(keep, name) and getattr(other, name)
    }


def merge_leads(
    session: Session,
    keep_id: uuid.UUID,
    other_id: uuid.UUID,
    take_other: set[str],
    actor: Actor,
    *,
    region: str = DEFAULT_PHONE_REGION,
) -> Lead:
    """Fold lead ``other_id`` into lead ``keep_id`` and return the kept lead.

    Raises:
        NotFoundError: either lead does not exist.
        ValidationError: the two ids are the same, a lead is not new or flagged,
            or ``take_other`` names a field that is not in ``MERGE_FIELDS``.
    """
    if keep_id == other_id:
        raise ValidationError("cannot merge a lead into itself: choose two leads")
    unknown = sorted(set(take_other) - set(MERGE_FIELDS))
    if unknown:
        raise ValidationError(
            f"cannot merge the field(s) {', '.join(unknown)}: choose from "
            + ", ".join(MERGE_FIELDS)
        )
    keep = get_lead(session, keep_id)
    other = get_lead(session, other_id)
    require_open(keep, "merge")
    require_open(other, "merge")

    left_over: list[str] = []
    for name in MERGE_FIELDS:
        mine = getattr(keep, name)
        theirs = getattr(other, name)
        if name in take_other:
            if mine and mine != theirs:
                left_over.append(f"{_LABELS[name]}: {mine}")
            setattr(keep, name, theirs)
            if name == "phone":
                keep.phone_raw = other.phone_raw
        elif theirs and theirs != mine:
            left_over.append(f"{_LABELS[name]}: {theirs}")
    notes = [keep.notes.strip()]
    if other.notes.strip() and other.notes.strip() != keep.notes.strip():
        notes.append(other.notes.strip())
    if left_over:
        title = other.company or other.person
        notes.append(f"Merged from lead {title} ({other.id}):\n" + "\n".join(left_over))
    keep.notes = "\n\n".join(part for part in notes if part)
    if keep.owner_id is None:
        keep.owner_id = other.owner_id
        keep.team_id = other.team_id
    keep.updated_at = actor.at

    other.status = LeadStatus.MERGED
    other.merged_into_id = keep.id
    other.updated_at = actor.at
    session.flush()
    index = DuplicateIndex.load(session, region)
    recheck_lead(session, keep.id, actor, region=region, index=index)
    pointing = session.scalars(
        select(Lead.id).where(
            Lead.duplicate_of_lead_id == other.id,
            Lead.status.in_(OPEN_STATUSES),
            Lead.deleted_at.is_(None),
        )
    )
    for lead_id in list(pointing):
        if lead_id != keep.id:
            recheck_lead(session, lead_id, actor, region=region, index=index)
    session.flush()
    return keep
