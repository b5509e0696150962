"""SQLAlchemy models of the local store.

Conventions: UUIDv7 keys made on the client; money as integer minor units with a
currency code; expected close dates as plain dates; events as UTC instants. Rows of
tables marked ``__synced__`` carry a server ``version`` (0 until the server
confirms them) and fill the outbox in the same transaction as the edit.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crmdesk.domain.ids import new_id
from crmdesk.storage.types import UtcDateTime


class Base(DeclarativeBase):
    """Declarative base of every table."""

    __synced__: bool = False


def _pk() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, primary_key=True, default=new_id)


class SyncedMixin:
    """Columns every synced row carries: server version and tombstone."""

    __synced__ = True

    version: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# Playbook configuration -----------------------------------------------------------


class PlaybookRow(SyncedMixin, Base):
    """A loaded playbook; its series, stages and states hang off it."""

    __tablename__ = "playbooks"

    id: Mapped[uuid.UUID] = _pk()
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    base_currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(Text, default="")
    digest: Mapped[str] = mapped_column(String(64), default="")
    intake: Mapped[str] = mapped_column(String(12), default="leads")
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CustomerState(SyncedMixin, Base):
    """A customer lifecycle state of a playbook."""

    __tablename__ = "customer_states"
    __table_args__ = (UniqueConstraint("playbook_id", "key"),)

    id: Mapped[uuid.UUID] = _pk()
    playbook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("playbooks.id"))
    key: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


class Team(SyncedMixin, Base):
    """A sales team; series are owned by teams and reps belong to one."""

    __tablename__ = "teams"

    id: Mapped[uuid.UUID] = _pk()
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200), default="")
    lead_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class User(SyncedMixin, Base):
    """A person who owns deals: a rep, a team lead or an admin."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = _pk()
    login: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="rep")
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))


class Series(SyncedMixin, Base):
    """An opportunity series (pipeline) with its transition rules."""

    __tablename__ = "series"
    __table_args__ = (UniqueConstraint("playbook_id", "key"),)

    id: Mapped[uuid.UUID] = _pk()
    playbook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("playbooks.id"))
    key: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    team_key: Mapped[str] = mapped_column(String(80))
    start_state_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customer_states.id")
    )
    end_state_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customer_states.id")
    )
    currency: Mapped[str] = mapped_column(String(3))
    allow_skip: Mapped[bool] = mapped_column(Boolean)
    allow_backward: Mapped[bool] = mapped_column(Boolean)
    allow_reopen: Mapped[bool] = mapped_column(Boolean)
    checklist_gates: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)


class Stage(SyncedMixin, Base):
    """A stage of a series. ``kind`` is open, won or lost; logic keys on it."""

    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("series_id", "key"),)

    id: Mapped[uuid.UUID] = _pk()
    series_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("series.id"))
    key: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer)
    default_probability: Mapped[int] = mapped_column(Integer)
    exit_criterion_en: Mapped[str] = mapped_column(Text, default="")
    exit_criterion_zh: Mapped[str] = mapped_column(Text, default="")


class ChecklistAction(SyncedMixin, Base):
    """A required or optional action of a stage."""

    __tablename__ = "checklist_actions"
    __table_args__ = (UniqueConstraint("stage_id", "key"),)

    id: Mapped[uuid.UUID] = _pk()
    stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stages.id"))
    key: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean)
    activity: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)


class ApprovalType(SyncedMixin, Base):
    """An approval that entering a stage requests, decided by the rep's team lead.

    ``blocks_promotion`` keeps a deal from leaving the stage forward until the
    request is approved.
    """

    __tablename__ = "approval_types"
    __table_args__ = (UniqueConstraint("stage_id", "key"),)

    id: Mapped[uuid.UUID] = _pk()
    stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stages.id"))
    key: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    blocks_promotion: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer)


class Reason(SyncedMixin, Base):
    """A won or lost reason of a series."""

    __tablename__ = "reasons"
    __table_args__ = (UniqueConstraint("series_id", "result", "key"),)

    id: Mapped[uuid.UUID] = _pk()
    series_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("series.id"))
    key: Mapped[str] = mapped_column(String(80))
    result: Mapped[str] = mapped_column(String(8))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    note_required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)


# Customers, products and deals -----------------------------------------------------


class Customer(SyncedMixin, Base):
    """A customer (account), with its lifecycle state.

    ``phone`` is in E.164 form (``+8613800138000``) when it was valid on entry and
    ``email`` is lower-case, so duplicate checks compare them directly. ``source``
    and ``campaign`` come from the lead it was converted from, or are typed in.
    """

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("external_source", "external_key"),
        Index("ix_customers_phone", "phone"),
        Index("ix_customers_email", "email"),
        Index("ix_customers_state", "state_id"),
    )

    id: Mapped[uuid.UUID] = _pk()
    name: Mapped[str] = mapped_column(String(300))
    state_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer_states.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"))
    sector: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(120), default="")
    campaign: Mapped[str] = mapped_column(String(200), default="")
    # The lead this customer was converted from; no foreign key, because the
    # lead also points at the customer.
    lead_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    state_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    external_source: Mapped[str | None] = mapped_column(String(40))
    external_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Contact(SyncedMixin, Base):
    """A person at a customer: the decision maker, a parent, a buyer.

    Shared within the customer's team like the customer. ``phone`` is E.164 when
    valid and ``email`` lower-case.
    """

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_customer", "customer_id"),
        Index("ix_contacts_phone", "phone"),
        Index("ix_contacts_email", "email"),
    )

    id: Mapped[uuid.UUID] = _pk()
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Lead(SyncedMixin, Base):
    """A lead in the inbox: a company or person not yet screened or converted.

    ``status`` is new, flagged (a possible duplicate or implausible data, waiting
    for review), converted, merged (folded into another lead) or discarded.
    ``phone`` is E.164 when valid; ``phone_raw`` keeps what was typed or imported.
    ``duplicate_of_*`` name the record a flag points at; ``flag_reason`` says why.
    """

    __tablename__ = "leads"
    __table_args__ = (
        # Two teams may import the same file: the key is unique within a team.
        UniqueConstraint(
            "team_id", "external_source", "external_key", name="uq_leads_team_id"
        ),
        Index("ix_leads_phone", "phone"),
        Index("ix_leads_email", "email"),
        Index("ix_leads_status", "status", "team_id"),
    )

    id: Mapped[uuid.UUID] = _pk()
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    company: Mapped[str] = mapped_column(String(300), default="")
    person: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    phone_raw: Mapped[str] = mapped_column(String(80), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(120), default="")
    campaign: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="new")
    flag_reason: Mapped[str] = mapped_column(Text, default="")
    # Ids of the records a user marked this lead as not a duplicate of, a JSON
    # list: later checks (an edit, a re-import) do not flag it for them again.
    not_duplicate_of: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_lead_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    duplicate_of_customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    converted_customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id")
    )
    converted_contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id")
    )
    converted_opportunity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    converted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    external_source: Mapped[str | None] = mapped_column(String(40))
    external_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class CustomerStateChange(SyncedMixin, Base):
    """One change of a customer's lifecycle state; append-only.

    ``from_state_id`` is None when the customer got its first state.
    ``opportunity_id`` names the won deal that moved the customer, if any.
    """

    __tablename__ = "customer_state_history"
    __table_args__ = (
        Index("ix_customer_state_history_customer", "customer_id", "changed_at"),
    )

    id: Mapped[uuid.UUID] = _pk()
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    from_state_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customer_states.id")
    )
    to_state_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer_states.id"))
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Product(SyncedMixin, Base):
    """A product with its list price, used as the expected amount of new deals."""

    __tablename__ = "products"

    id: Mapped[uuid.UUID] = _pk()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    family: Mapped[str] = mapped_column(String(120), default="")
    list_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class Opportunity(SyncedMixin, Base):
    """A deal: a staged sales target in one series.

    ``manual_probability`` is the rate set by hand (percent), or None to use the
    stage default; every revision of it is a ``ProbabilityRevision`` row.
    ``stage_entered_at`` repeats the time of the last stage history row so the
    board can show days in stage without reading the history.
    """

    __tablename__ = "opportunities"
    __table_args__ = (
        UniqueConstraint("external_source", "external_key"),
        Index("ix_opportunities_series_stage", "series_id", "stage_id"),
        # Covering indexes of the review reports (migration 0003).
        Index(
            "ix_opportunities_report_open",
            "stage_id",
            "expected_close",
            "deleted_at",
            "series_id",
            "team_id",
            "owner_id",
            "currency",
            "amount_minor",
            "manual_probability",
        ),
        Index(
            "ix_opportunities_report_scope",
            "id",
            "deleted_at",
            "series_id",
            "team_id",
            "owner_id",
            "product_id",
            "currency",
            "amount_minor",
        ),
    )

    id: Mapped[uuid.UUID] = _pk()
    series_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("series.id"))
    stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stages.id"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"))
    product_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("products.id"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    title: Mapped[str] = mapped_column(String(300))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    expected_close: Mapped[date | None] = mapped_column(Date)
    manual_probability: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    stage_entered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    external_source: Mapped[str | None] = mapped_column(String(40))
    external_key: Mapped[str | None] = mapped_column(String(200))
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"))
    source: Mapped[str] = mapped_column(String(120), default="")
    campaign: Mapped[str] = mapped_column(String(200), default="")
    lead_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class StageHistory(SyncedMixin, Base):
    """One stage transition; append-only. ``from_stage_id`` is None at creation.

    Amount, probability and close date are the values at that moment.
    """

    __tablename__ = "stage_history"
    __table_args__ = (
        Index("ix_stage_history_opportunity", "opportunity_id", "changed_at"),
        Index("ix_stage_history_to_stage", "to_stage_id", "changed_at"),
        Index("ix_stage_history_reached", "opportunity_id", "to_stage_id"),
        Index(
            "ix_stage_history_state",
            "opportunity_id",
            "changed_at",
            "id",
            "to_stage_id",
        ),
    )

    id: Mapped[uuid.UUID] = _pk()
    opportunity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opportunities.id"))
    from_stage_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stages.id"))
    to_stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stages.id"))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    probability: Mapped[int] = mapped_column(Integer)
    expected_close: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default="")


class Outcome(SyncedMixin, Base):
    """A won or lost result. Reopening sets ``reopened_at`` and keeps the row."""

    __tablename__ = "outcomes"
    __table_args__ = (
        Index("ix_outcomes_opportunity", "opportunity_id"),
        Index(
            "ix_outcomes_current",
            "reopened_at",
            "result",
            "actual_date",
            "opportunity_id",
            "currency",
            "actual_amount_minor",
        ),
    )

    id: Mapped[uuid.UUID] = _pk()
    opportunity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opportunities.id"))
    result: Mapped[str] = mapped_column(String(8))
    reason_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reasons.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    actual_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    actual_date: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reopened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reopened_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ProbabilityRevision(SyncedMixin, Base):
    """A manual win probability set or cleared (None) by hand, with the reason."""

    __tablename__ = "probability_revisions"
    __table_args__ = (Index("ix_probability_revisions_opp", "opportunity_id"),)

    id: Mapped[uuid.UUID] = _pk()
    opportunity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opportunities.id"))
    probability: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ChecklistItem(SyncedMixin, Base):
    """Whether one checklist action is done on one deal."""

    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("opportunity_id", "action_id"),)

    id: Mapped[uuid.UUID] = _pk()
    opportunity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opportunities.id"))
    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_actions.id"))
    done: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Activity(SyncedMixin, Base):
    """A call, visit, meeting, e-mail, trial or note on a customer or a deal.

    A planned activity has ``due_at`` and no ``done_at``; logging it done sets
    ``done_at``. ``duration_minutes`` and ``result`` describe a done activity.
    ``checklist_action_id`` names the checklist action the activity completed.
    An activity logged on a deal also carries the deal's customer, when the deal
    has one, so the customer's timeline shows it. ``team_id`` decides who shares
    an activity that belongs to no deal.
    """

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_opportunity", "opportunity_id", "due_at"),
        Index("ix_activities_customer", "customer_id", "due_at"),
        Index("ix_activities_planned", "owner_id", "done_at", "due_at"),
    )

    id: Mapped[uuid.UUID] = _pk()
    kind: Mapped[str] = mapped_column(String(12))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"))
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("opportunities.id")
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(Text, default="")
    checklist_action_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("checklist_actions.id")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Approval(SyncedMixin, Base):
    """An approval request a deal opened by entering a stage.

    ``status`` is pending, approved, rejected or invalidated (the approved amount
    changed afterwards, so the request is open again as a new row).
    ``amount_minor`` is the deal amount the request was made for;
    ``approved_amount_minor`` is the amount approved, after any correction by the
    approver. Every decision is also an ``ApprovalDecision`` row.
    """

    __tablename__ = "approvals"
    __table_args__ = (
        Index("ix_approvals_opportunity", "opportunity_id", "status"),
        Index("ix_approvals_approver", "approver_id", "status"),
    )

    id: Mapped[uuid.UUID] = _pk()
    opportunity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opportunities.id"))
    approval_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("approval_types.id"))
    stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stages.id"))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    approver_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    approved_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ApprovalDecision(SyncedMixin, Base):
    """One decision on an approval request; append-only.

    ``decision`` is approved, rejected or invalidated. ``corrected_amount_minor``
    is the amount the approver set, or None when they kept the requested one.
    """

    __tablename__ = "approval_decisions"
    __table_args__ = (Index("ix_approval_decisions_approval", "approval_id"),)

    id: Mapped[uuid.UUID] = _pk()
    approval_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("approvals.id"))
    opportunity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opportunities.id"))
    decision: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(Text, default="")
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    corrected_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


# Workspace and sync bookkeeping ---------------------------------------------------


class ExchangeRate(Base):
    """How many base-currency units one unit of ``currency`` is worth (exact text)."""

    __tablename__ = "exchange_rates"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WorkspaceSetting(Base):
    """A key/value setting of this store: base currency, current user, client id."""

    __tablename__ = "workspace_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OutboxEntry(Base):
    """A local change waiting for sync, written in the transaction of the edit.

    ``changes`` is a JSON object of column name to new value; for an update it
    holds only the columns that changed.
    """

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(60))
    row_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    operation: Mapped[str] = mapped_column(String(8))
    changes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Sync bookkeeping (local schema 0002). ``tx_group`` is shared by the entries
    # of one session transaction, so the server applies them whole or not at all;
    # ``base_version`` and ``base_values`` are the row's server version and the
    # changed columns' values before the edit (the merge base); ``hlc`` is the
    # hybrid logical clock stamp. ``status`` is pending, acked or failed; acked
    # rows are kept (pruned to the newest) so ``seq`` never goes back.
    mutation_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=new_id)
    tx_group: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    base_version: Mapped[int] = mapped_column(Integer, default=0)
    base_values: Mapped[str] = mapped_column(Text, default="{}")
    hlc: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncShadow(Base):
    """The last server-confirmed image of a synced row: the merge base.

    ``data`` is the row as the server sent it (JSON); ``buckets`` the JSON list of
    buckets that delivered it. The working copy is this plus pending outbox
    changes replayed on top.
    """

    __tablename__ = "sync_shadow"

    table_name: Mapped[str] = mapped_column(String(60), primary_key=True)
    row_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    row_version: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[str] = mapped_column(Text)
    buckets: Mapped[str] = mapped_column(Text, default="[]")


class SyncState(Base):
    """Sync state by key: client id, clock, server generation, bucket cursors."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SyncIssue(Base):
    """A conflict or refusal from sync, kept until the user resolves it.

    ``mine``, ``theirs`` and ``base`` are JSON values (of ``field`` when set, else
    of the changed fields). ``other_login`` is the login whose change on the
    server met this one, ``kept`` names the side whose value an edit on both
    sides kept (``mine`` or ``theirs``), and ``sqlstate`` is the PostgreSQL
    error code of a refusal. Each of those three may be null. ``message`` is the
    English text the server or the sync engine wrote. ``state`` is open or
    resolved.
    """

    __tablename__ = "sync_issues"
    __table_args__ = (Index("ix_sync_issues_row", "table_name", "row_id"),)

    id: Mapped[uuid.UUID] = _pk()
    kind: Mapped[str] = mapped_column(String(30))
    table_name: Mapped[str] = mapped_column(String(60))
    row_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    field: Mapped[str | None] = mapped_column(String(60))
    mine: Mapped[str | None] = mapped_column(Text)
    theirs: Mapped[str | None] = mapped_column(Text)
    base: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text, default="")
    mutation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    client_seq: Mapped[int | None] = mapped_column(Integer)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(12), default="open")
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    other_login: Mapped[str | None] = mapped_column(String(120))
    kept: Mapped[str | None] = mapped_column(String(8))
    sqlstate: Mapped[str | None] = mapped_column(String(5))
