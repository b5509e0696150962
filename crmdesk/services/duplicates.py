"""Finding possible duplicates of a lead or customer among stored records.

A candidate is checked against the open leads (new or flagged), the customers
and the contacts of the store:

- phone: the E.164 forms are equal (stored values typed before screening are
  read through ``screening.phone_key``);
- e-mail: the lower-case addresses are equal;
- company: the folded company names score at least ``NAME_THRESHOLD`` with
  rapidfuzz's ``fuzz.ratio`` (the normalised Indel similarity, 0 to 100), or the
  shorter folded name of at least ``MIN_FUZZY_LENGTH`` characters is contained in
  the longer one, which scores ``CONTAINED_SCORE``. Folded names shorter than
  ``MIN_FUZZY_LENGTH`` must be equal;
- person: the folded person names match by the same rule, and the companies do
  not contradict it: either side has no company, or the company names score at
  least ``COMPANY_CONTEXT_THRESHOLD``. A customer's name is compared as a
  person only when the candidate has no company, because a customer record of a
  private person carries the person's name.

Converted, merged and discarded leads are not candidates' duplicates: a
converted lead lives on as its customer and contact, which are checked. A lead
is never reported as a duplicate of itself, of the customer it was converted
into, or of that customer's contacts.
"""

from __future__ import annotations

import bisect
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz, process
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.services.screening import email_key, fold_company, fold_person, phone_key
from crmdesk.storage.models import Contact, Customer, Lead

NAME_THRESHOLD = 85
CONTAINED_SCORE = 90
MIN_FUZZY_LENGTH = 4
COMPANY_CONTEXT_THRESHOLD = 60
MAX_MATCHES = 5

OPEN_LEAD_STATUSES = ("new", "flagged")

# A stored phone already in E.164 form, as screening writes it.
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class MatchField(StrEnum):
    """The field two records share."""

    PHONE = "phone"
    EMAIL = "email"
    COMPANY = "company"
    PERSON = "person"


class RecordKind(StrEnum):
    """The kind of stored record a match points at; contacts count as customers."""

    LEAD = "lead"
    CUSTOMER = "customer"


@dataclass(frozen=True)
class DuplicateMatch:
    """One stored record that may be the same as the candidate.

    ``name`` is the record's display name, ``value`` the matched value as stored
    on the record (an E.164 number, an address or a name), ``score`` 100 for
    equal values, and ``contact`` the contact's name when the match came through
    a contact of the customer.
    """

    field: MatchField
    record: RecordKind
    record_id: uuid.UUID
    name: str
    value: str
    score: int
    contact: str = ""

    def describe(self) -> str:
        """Return the English sentence used by the command line and reports."""
        target = f"{self.record.value} {self.name!r}"
        if self.contact:
            target += f" (contact {self.contact!r})"
        if self.field in (MatchField.PHONE, MatchField.EMAIL):
            label = "phone" if self.field is MatchField.PHONE else "e-mail"
            return f"same {label} {self.value} as {target}"
        return f"{self.field.value} name similar to {target} (score {self.score})"


def encode_matches(matches: Iterable[DuplicateMatch]) -> str:
    """Return the JSON text stored in ``Lead.flag_reason`` for these matches."""
    rows = []
    for match in matches:
        row = asdict(match)
        row["field"] = match.field.value
        row["record"] = match.record.value
        row["record_id"] = str(match.record_id)
        rows.append(row)
    return json.dumps(rows, ensure_ascii=False) if rows else ""


def decode_matches(text: str) -> list[DuplicateMatch]:
    """Read the matches stored in ``Lead.flag_reason``; other text gives none."""
    if not text.strip():
        return []
    try:
        rows = json.loads(text)
        return [
            DuplicateMatch(
                field=MatchField(row["field"]),
                record=RecordKind(row["record"]),
                record_id=uuid.UUID(row["record_id"]),
                name=str(row["name"]),
                value=str(row["value"]),
                score=int(row["score"]),
                contact=str(row.get("contact", "")),
            )
            for row in rows
        ]
    except (ValueError, KeyError, TypeError):
        return []


@dataclass(frozen=True)
class Candidate:
    """The screened values of a record to check, and the records it may not match.

    ``lead_id`` is the candidate's own lead (skipped, and so is the customer
    converted from it); ``customer_id`` its own customer with its contacts.
    """

    company: str = ""
    person: str = ""
    phone: str = ""
    email: str = ""
    lead_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    exclude: frozenset[uuid.UUID] = frozenset()


@dataclass
class _Entry:
    kind: str  # "lead", "customer" or "contact"
    id: uuid.UUID
    name: str
    company: str  # folded company name, or the contact's customer's
    person: str  # folded person name
    phone: str
    email: str
    customer_id: uuid.UUID | None = None  # the customer of a contact, or itself
    customer_name: str = ""
    lead_id: uuid.UUID | None = None  # the lead a customer was converted from


def name_score(left: str, right: str) -> int:
    """Return the similarity of two folded names, 0 to 100 (see the module text)."""
    if not left or not right:
        return 0
    if left == right:
        return 100
    if min(len(left), len(right)) < MIN_FUZZY_LENGTH:
        return 0
    score = int(fuzz.ratio(left, right))
    shorter, longer = sorted((left, right), key=len)
    if shorter in longer:
        score = max(score, CONTAINED_SCORE)
    return score


@dataclass
class DuplicateIndex:
    """The records of a store that candidates are checked against.

    Build it once per batch with ``load``; ``add_lead`` adds a lead written in
    the batch, so a file's second row is checked against its first.
    """

    region: str = DEFAULT_PHONE_REGION
    entries: list[_Entry] = field(default_factory=list)
    by_phone: dict[str, list[_Entry]] = field(default_factory=lambda: defaultdict(list))
    by_email: dict[str, list[_Entry]] = field(default_factory=lambda: defaultdict(list))
    _names: dict[str, _NameTable] = field(default_factory=dict, repr=False)

    @classmethod
    def load(
        cls,
        session: Session,
        region: str = DEFAULT_PHONE_REGION,
        customer_ids: Collection[uuid.UUID] | None = None,
    ) -> DuplicateIndex:
        """Read the open leads, customers and contacts of the store.

        ``customer_ids`` limits the customers and contacts read to those
        customers; None reads them all.
        """
        index = cls(region)
        phones: dict[str, str] = {}

        def key_of(value: str) -> str:
            if _E164.match(value):
                return value  # screened on entry
            if value not in phones:
                phones[value] = phone_key(value, region)
            return phones[value]

        leads = session.execute(
            select(Lead.id, Lead.company, Lead.person, Lead.phone, Lead.email).where(
                Lead.deleted_at.is_(None), Lead.status.in_(OPEN_LEAD_STATUSES)
            )
        )
        for lead_id, company, person, phone, email in leads:
            index._add(
                _Entry(
                    "lead",
                    lead_id,
                    company or person,
                    fold_company(company),
                    fold_person(person),
                    key_of(phone),
                    email_key(email),
                )
            )
        names: dict[uuid.UUID, str] = {}
        customers = session.execute(
            select(
                Customer.id,
                Customer.name,
                Customer.phone,
                Customer.email,
                Customer.lead_id,
            ).where(
                Customer.deleted_at.is_(None),
                true() if customer_ids is None else Customer.id.in_(customer_ids),
            )
        )
        for row_id, name, phone, email, converted_from in customers:
            names[row_id] = name
            index._add(
                _Entry(
                    "customer",
                    row_id,
                    name,
                    fold_company(name),
                    fold_person(name),
                    key_of(phone),
                    email_key(email),
                    customer_id=row_id,
                    customer_name=name,
                    lead_id=converted_from,
                )
            )
        contacts = session.execute(
            select(
                Contact.id,
                Contact.customer_id,
                Contact.name,
                Contact.phone,
                Contact.email,
            ).where(
                Contact.deleted_at.is_(None),
                true()
                if customer_ids is None
                else Contact.customer_id.in_(customer_ids),
            )
        )
        for contact_id, customer_id, name, phone, email in contacts:
            customer_name = names.get(customer_id)
            if customer_name is None:
                continue  # the customer is deleted, so its contacts are gone too
            index._add(
                _Entry(
                    "contact",
                    contact_id,
                    name,
                    fold_company(customer_name),
                    fold_person(name),
                    key_of(phone),
                    email_key(email),
                    customer_id=customer_id,
                    customer_name=customer_name,
                )
            )
        return index

    def _add(self, entry: _Entry) -> None:
        # The name tables grow with the entries: rebuilding them for every lead
        # an import adds made the import quadratic in the store's size.
        for attribute, table in self._names.items():
            table.append(getattr(entry, attribute))
        self.entries.append(entry)
        if entry.phone:
            self.by_phone[entry.phone].append(entry)
        if entry.email:
            self.by_email[entry.email].append(entry)

    def add_lead(self, lead: Lead) -> None:
        """Add a lead written after ``load``, so later candidates are checked on it."""
        self._add(
            _Entry(
                "lead",
                lead.id,
                lead.company or lead.person,
                fold_company(lead.company),
                fold_person(lead.person),
                lead.phone,
                lead.email,
            )
        )

    def remove(self, record_id: uuid.UUID) -> None:
        """Drop a record, such as a lead that was merged or converted in the batch."""
        self._names.clear()
        self.entries = [entry for entry in self.entries if entry.id != record_id]
        for table in (self.by_phone, self.by_email):
            for key, entries in list(table.items()):
                table[key] = [entry for entry in entries if entry.id != record_id]

    def find(self, candidate: Candidate) -> list[DuplicateMatch]:
        """Return the possible duplicates of ``candidate``, strongest first.

        Exact phone and e-mail matches come before name matches, and each stored
        record appears once, with its strongest match. At most ``MAX_MATCHES``
        records are returned.

        NOTE: name matching compares the candidate with every stored name of a
        similar length. With 100,000 stored records that took about 0.2 s per
        candidate on a 2-CPU test machine (synthetic names), so a 5,000-row
        import into such a store takes minutes.
        """
        found: dict[tuple[str, uuid.UUID], DuplicateMatch] = {}

        def keep(
            entry: _Entry, match_field: MatchField, value: str, score: int
        ) -> None:
            if self._skipped(entry, candidate):
                return
            match = self._match(entry, match_field, value, score)
            key = (match.record.value, match.record_id)
            if key not in found or match_rank(match) < match_rank(found[key]):
                found[key] = match

        if candidate.phone:
            for entry in self.by_phone.get(candidate.phone, []):
                keep(entry, MatchField.PHONE, entry.phone, 100)
        if candidate.email:
            for entry in self.by_email.get(candidate.email, []):
                keep(entry, MatchField.EMAIL, entry.email, 100)
        company = fold_company(candidate.company)
        person = fold_person(candidate.person)
        if company:
            for entry, score in self._similar(company, "company"):
                if entry.kind != "contact":
                    keep(entry, MatchField.COMPANY, entry.name, score)
        if person:
            for entry, score in self._similar(person, "person"):
                if entry.kind == "customer" and company:
                    continue
                if entry.kind != "customer" and not _companies_agree(
                    company, entry.company
                ):
                    continue
                keep(entry, MatchField.PERSON, entry.name, score)
        return sorted(found.values(), key=match_rank)[:MAX_MATCHES]

    def _similar(self, folded: str, attribute: str) -> list[tuple[_Entry, int]]:
        table = self._names.get(attribute)
        if table is None:
            table = _NameTable([getattr(entry, attribute) for entry in self.entries])
            self._names[attribute] = table
        names = table.names
        positions: set[int] = set()
        for length in table.lengths_near(len(folded)):
            bucket_names, bucket_positions = table.by_length[length]
            for _name, _score, index in process.extract(
                folded,
                bucket_names,
                scorer=fuzz.ratio,
                score_cutoff=NAME_THRESHOLD,
                limit=None,
            ):
                positions.add(bucket_positions[index])
        if len(folded) >= MIN_FUZZY_LENGTH:
            positions.update(table.containing(folded))
            positions.update(table.contained_in(folded))
        matched = []
        for position in positions:
            score = name_score(folded, names[position])
            if score >= NAME_THRESHOLD:
                matched.append((self.entries[position], score))
        return matched

    @staticmethod
    def _skipped(entry: _Entry, candidate: Candidate) -> bool:
        if entry.id in candidate.exclude:
            return True
        if entry.kind == "lead":
            return entry.id == candidate.lead_id
        if (
            candidate.customer_id is not None
            and entry.customer_id == candidate.customer_id
        ):
            return True
        return (
            entry.kind == "customer"
            and candidate.lead_id is not None
            and entry.lead_id == candidate.lead_id
        )

    @staticmethod
    def _match(
        entry: _Entry, match_field: MatchField, value: str, score: int
    ) -> DuplicateMatch:
        if entry.kind == "lead":
            return DuplicateMatch(
                match_field, RecordKind.LEAD, entry.id, entry.name, value, score
            )
        if entry.kind == "contact" and entry.customer_id is not None:
            return DuplicateMatch(
                match_field,
                RecordKind.CUSTOMER,
                entry.customer_id,
                entry.customer_name,
                value,
                score,
                contact=entry.name,
            )
        return DuplicateMatch(
            match_field, RecordKind.CUSTOMER, entry.id, entry.name, value, score
        )


class _NameTable:
    """Folded names of the index's entries, searchable for containment.

    Finding every stored name that contains a candidate, or is contained in it,
    costs a substring search of one joined text and a dictionary lookup per
    substring of the candidate, instead of a comparison with every entry.
    """

    def __init__(self, names: list[str]) -> None:
        self.names: list[str] = []
        self._joined = "\n".join(names)
        self._starts: list[int] = []
        self._end = 0
        self._by_name: dict[str, list[int]] = defaultdict(list)
        self.by_length: dict[int, tuple[list[str], list[int]]] = {}
        for name in names:
            self._index(name)

    def append(self, name: str) -> None:
        """Add a name after the last one, at the next position."""
        self._joined = f"{self._joined}\n{name}" if self.names else name
        self._index(name)

    def _index(self, name: str) -> None:
        # Every name starts after the previous one and its newline in _joined.
        position = len(self.names)
        self.names.append(name)
        self._starts.append(self._end)
        self._end += len(name) + 1
        if len(name) >= MIN_FUZZY_LENGTH:
            self._by_name[name].append(position)
        if name:
            bucket = self.by_length.setdefault(len(name), ([], []))
            bucket[0].append(name)
            bucket[1].append(position)

    def lengths_near(self, length: int) -> list[int]:
        """Return the stored name lengths that can reach ``NAME_THRESHOLD``.

        The Indel ratio of two texts is at most 200 * min / (len1 + len2), so
        names whose lengths differ too much are skipped without comparing them.
        """
        return [
            other
            for other in self.by_length
            if 200 * min(length, other) >= NAME_THRESHOLD * (length + other)
        ]

    def containing(self, text: str) -> set[int]:
        """Return the positions of names of which ``text`` is a part."""
        found: set[int] = set()
        start = self._joined.find(text)
        while start >= 0:
            found.add(bisect.bisect_right(self._starts, start) - 1)
            start = self._joined.find(text, start + 1)
        return found

    def contained_in(self, text: str) -> set[int]:
        """Return the positions of names of at least four characters in ``text``."""
        found: set[int] = set()
        for begin in range(len(text)):
            for end in range(begin + MIN_FUZZY_LENGTH, len(text) + 1):
                found.update(self._by_name.get(text[begin:end], ()))
        return found


def _companies_agree(left: str, right: str) -> bool:
    if not left or not right:
        return True
    if left == right:
        return True
    return fuzz.ratio(left, right) >= COMPANY_CONTEXT_THRESHOLD or (
        min(len(left), len(right)) >= MIN_FUZZY_LENGTH
        and (left in right or right in left)
    )


_FIELD_ORDER = {
    MatchField.PHONE: 0,
    MatchField.EMAIL: 1,
    MatchField.COMPANY: 2,
    MatchField.PERSON: 3,
}


def match_rank(match: DuplicateMatch) -> tuple[int, int, str]:
    """Return the sort key of a match: phone, e-mail, company, person, then score."""
    return (_FIELD_ORDER[match.field], -match.score, match.name)
