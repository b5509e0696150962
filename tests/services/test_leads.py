"""Lead screening, duplicate detection, merge and conversion on a real store."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from helpers.board_ui import TEST_PLAYBOOK
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crmdesk.domain.errors import ValidationError
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.customers import (
    NewContact,
    NewCustomer,
    check_new_customer,
    create_customer,
)
from crmdesk.services.duplicates import (
    NAME_THRESHOLD,
    DuplicateIndex,
    MatchField,
    RecordKind,
    _Entry,
    name_score,
)
from crmdesk.services.lead_conversion import ConvertOptions, convert_lead
from crmdesk.services.lead_merge import merge_leads
from crmdesk.services.leads import (
    LeadRejectedError,
    LeadStatus,
    NewLead,
    add_lead,
    candidate_of,
    clear_flag,
    discard_lead,
    edit_lead,
    list_leads,
    recheck_lead,
    screen_lead,
)
from crmdesk.services.playbooks import find_series, install_playbook
from crmdesk.services.screening import (
    check_email,
    fold_company,
    fold_person,
    normalise_phone,
)
from crmdesk.services.workspace import ensure_user, set_current_user
from crmdesk.storage.models import (
    Contact,
    Customer,
    CustomerState,
    CustomerStateChange,
    Lead,
    Opportunity,
)

# Phone screening ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["+86 138-0013-8000", "13800138000", "0086 13800138000", "+86 13800138000"],
)
def test_phone_forms_are_one_number(text: str) -> None:
    number = normalise_phone(text, "CN")
    assert number is not None
    assert number.e164 == "+8613800138000"
    assert number.raw == text


def test_phone_ten_digits_is_invalid() -> None:
    with pytest.raises(ValidationError, match="invalid phone number '1380013800'"):
        normalise_phone("1380013800", "CN")


def test_phone_text_is_invalid() -> None:
    with pytest.raises(ValidationError, match="'call me'"):
        normalise_phone("call me", "CN")


def test_phone_region_reads_local_numbers() -> None:
    # 650-253-0000 is a valid US number; written without +1 it is read in the
    # default region, so it is valid in US and not in CN.
    number = normalise_phone("650-253-0000", "US")
    assert number is not None
    assert number.e164 == "+16502530000"
    with pytest.raises(ValidationError):
        normalise_phone("650-253-0000", "CN")


def test_phone_blank_is_none() -> None:
    assert normalise_phone("   ", "CN") is None


# E-mail screening -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Li.Wei@Acme.COM", "li.wei@acme.com"),
        ("  sales+cn@example.com.cn ", "sales+cn@example.com.cn"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("ｌｉ＠ａｃｍｅ．ｃｎ", "li@acme.cn"),
        ("", ""),
    ],
)
def test_email_valid_forms(text: str, expected: str) -> None:
    assert check_email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "li.wei",
        "li wei@acme.com",
        "li@@acme.com",
        "li@acme",
        "li@acme.c",
        "a@b.com, c@d.com",
        ".li@acme.com",
        "li.@acme.com",
        "li@-acme.com",
    ],
)
def test_email_invalid_forms(text: str) -> None:
    with pytest.raises(ValidationError, match="invalid e-mail address"):
        check_email(text)


# Name folding and scores ----------------------------------------------------------


def test_company_folding() -> None:
    assert fold_company("ACME Trading Co., Ltd.") == "acmetrading"
    assert fold_company("Acme  Trading") == "acmetrading"
    assert fold_company("北京星辰科技有限公司") == "北京星辰科技"
    assert fold_company("星辰科技股份有限公司") == "星辰科技"
    assert fold_company("Costco") == "costco"
    assert fold_company("ＡＣＭＥ") == "acme"


def test_person_folding_ignores_word_order() -> None:
    assert fold_person("Li Wei") == fold_person("wei  LI")
    assert fold_person("王芳") == "王芳"


def test_name_scores_by_hand() -> None:
    # acmetrading / apextrading: longest common subsequence a,e,trading = 9, so
    # the Indel distance is 11 + 11 - 2 * 9 = 4 and the ratio 100 * (1 - 4/22).
    assert name_score("acmetrading", "apextrading") == 81
    # harborlogistics (15) is harbourlogistics (16) without one letter:
    # 100 * (1 - 1/31) = 96.77.
    assert name_score("harbourlogistics", "harborlogistics") == 96
    # 星辰科技 is contained in 北京星辰科技: the ratio is 100 * 8/10 = 80, and
    # containment of a name of at least four characters scores 90.
    assert name_score("星辰科技", "北京星辰科技") == 90
    # Names shorter than four characters must be equal.
    assert name_score("王芳", "王方") == 0
    assert name_score("王芳", "王芳") == 100


# Store fixtures -------------------------------------------------------------------


@pytest.fixture
def actor(sessions: Any) -> Actor:
    with sessions.begin() as session:
        install_playbook(session, TEST_PLAYBOOK)
        user = ensure_user(session, "lin", "Lin Wei")
        set_current_user(session, user.id)
        return Actor(user.id, ChangeSource.FORM)


def _add(session: Any, actor: Actor, **fields: str) -> tuple[Lead, list[Any]]:
    return add_lead(session, NewLead(**fields), actor)


# Screening and flags --------------------------------------------------------------


def test_add_lead_stores_e164(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        lead, matches = _add(
            session, actor, company="Acme", phone="0086 13800138000", email="A@X.CN"
        )
        assert matches == []
        assert lead.status == LeadStatus.NEW
        assert lead.phone == "+8613800138000"
        assert lead.phone_raw == "0086 13800138000"
        assert lead.email == "a@x.cn"


def test_add_lead_rejects_every_problem(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        with pytest.raises(LeadRejectedError) as caught:
            _add(session, actor, phone="1380013800", email="nobody")
        problems = caught.value.problems
        assert len(problems) == 3
        assert problems[0].startswith("missing name")
        assert "'1380013800'" in problems[1]
        assert "'nobody'" in problems[2]
        assert session.scalar(select(Lead.id)) is None


def test_add_lead_needs_phone_or_email(sessions: Any, actor: Actor) -> None:
    with pytest.raises(LeadRejectedError, match="missing phone and e-mail"):
        screen_lead(NewLead(company="Acme"))


def test_screen_lead_extra_required_field() -> None:
    with pytest.raises(LeadRejectedError, match="missing source"):
        screen_lead(NewLead(company="Acme", email="a@b.cn"), required=("source",))


@pytest.mark.parametrize(
    "second_phone",
    ["+86 138-0013-8000", "13800138000", "0086 13800138000", "+86 13800138000"],
)
def test_same_number_flags_lead(sessions: Any, actor: Actor, second_phone: str) -> None:
    with sessions.begin() as session:
        first, _ = _add(session, actor, company="Acme", phone="13800138000")
        second, matches = _add(session, actor, company="Zenith", phone=second_phone)
        assert second.status == LeadStatus.FLAGGED
        assert [(m.field, m.record, m.record_id) for m in matches] == [
            (MatchField.PHONE, RecordKind.LEAD, first.id)
        ]
        assert second.duplicate_of_lead_id == first.id


def test_invalid_number_is_not_duplicate(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        _add(session, actor, company="Acme", phone="13800138000")
        with pytest.raises(LeadRejectedError, match="invalid phone number"):
            _add(session, actor, company="Zenith", phone="1380013800")
        assert len(list(session.scalars(select(Lead)))) == 1


def test_clear_flag_and_discard(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        _add(session, actor, company="Acme", email="a@acme.cn")
        second, _ = _add(session, actor, company="Acme Ltd", email="b@acme.cn")
        assert second.status == LeadStatus.FLAGGED
        clear_flag(session, second.id, actor)
        assert second.status == LeadStatus.NEW
        assert second.flag_reason == ""
        with pytest.raises(ValidationError, match="not flagged"):
            clear_flag(session, second.id, actor)
        discard_lead(session, second.id, actor, "spam")
        assert second.status == LeadStatus.DISCARDED
        assert second.notes == "spam"
        with pytest.raises(ValidationError, match="no longer in the inbox"):
            discard_lead(session, second.id, actor)


def test_edit_lead_screens_and_rechecks(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        acme, _ = _add(session, actor, company="Acme", phone="13800138000")
        other, _ = _add(session, actor, company="Zenith", email="z@zenith.cn")
        assert other.status == LeadStatus.NEW

        # The same mobile number in another form makes it a duplicate of Acme.
        edited, matches = edit_lead(
            session, other.id, {"phone": "+86 138-0013-8000"}, actor
        )
        assert edited.phone == "+8613800138000"
        assert edited.phone_raw == "+86 138-0013-8000"
        assert edited.status == LeadStatus.FLAGGED
        assert [m.record_id for m in matches] == [acme.id]

        # Another number clears the flag again; the e-mail stays as it was.
        edited, matches = edit_lead(session, other.id, {"phone": "13700137000"}, actor)
        assert matches == []
        assert edited.status == LeadStatus.NEW
        assert edited.email == "z@zenith.cn"

        # A change that fails screening changes nothing.
        with pytest.raises(LeadRejectedError, match="invalid phone number"):
            edit_lead(session, other.id, {"phone": "1370013700"}, actor)
        assert other.phone == "+8613700137000"
        with pytest.raises(ValidationError, match="unknown lead field colour"):
            edit_lead(session, other.id, {"colour": "red"}, actor)
        discard_lead(session, other.id, actor)
        with pytest.raises(ValidationError, match="cannot edit lead 'Zenith'"):
            edit_lead(session, other.id, {"notes": "late"}, actor)


def test_not_a_duplicate_is_remembered(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        first, _ = _add(session, actor, company="Acme", email="a@acme.cn")
        second, _ = _add(session, actor, company="Acme Ltd", email="b@acme.cn")
        assert second.status == LeadStatus.FLAGGED
        clear_flag(session, second.id, actor)

        # Later checks skip the record the user marked as not a duplicate.
        edit_lead(session, second.id, {"notes": "met at the fair"}, actor)
        assert second.status == LeadStatus.NEW
        assert recheck_lead(session, second.id, actor) == []
        assert second.status == LeadStatus.NEW

        # Another record that matches still flags it.
        third, _ = _add(session, actor, company="Acme Limited", phone="13700137000")
        edited, matches = edit_lead(
            session, second.id, {"phone": "137 0013 7000"}, actor
        )
        assert edited.status == LeadStatus.FLAGGED
        assert {m.record_id for m in matches} == {third.id}
        assert first.id not in {m.record_id for m in matches}


def test_list_leads_filters(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        _add(session, actor, company="Acme", email="a@acme.cn")
        _add(session, actor, company="Acme Ltd", email="b@acme.cn")
        _add(session, actor, person="王芳", phone="13900139000")
    with sessions() as session:
        assert len(list_leads(session)) == 3
        flagged = list_leads(session, ("flagged",))
        assert [record.company for record in flagged] == ["Acme Ltd"]
        assert "company name similar to lead 'Acme'" in flagged[0].flag_text()
        assert [r.person for r in list_leads(session, text="王")] == ["王芳"]
        with pytest.raises(ValidationError, match="unknown lead status 'open'"):
            list_leads(session, ("open",))


# Customer first ------------------------------------------------------------------


def test_create_customer_with_contact(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        customer = create_customer(
            session,
            NewCustomer(
                name="Acme",
                phone="+86 138-0013-8000",
                contact=NewContact(
                    name="Li Wei", phone="13900139000", email="LI@ACME.CN"
                ),
            ),
            actor,
        )
        contact = session.scalars(select(Contact)).one()
        first_state = session.scalars(
            select(CustomerState).where(CustomerState.key == "prospect")
        ).one()
        history = session.scalars(select(CustomerStateChange)).one()
        assert customer.phone == "+8613800138000"
        assert contact.customer_id == customer.id
        assert contact.is_primary
        assert contact.phone == "+8613900139000"
        assert contact.email == "li@acme.cn"
        assert customer.state_id == first_state.id
        assert history.customer_id == customer.id
        assert history.from_state_id is None
        assert history.to_state_id == first_state.id


def test_create_customer_rejects_bad_contact(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        with pytest.raises(ValidationError, match="contact phone: invalid phone"):
            create_customer(
                session,
                NewCustomer(name="Acme", contact=NewContact("Li", phone="1380013800")),
                actor,
            )
        with pytest.raises(ValidationError, match="no name"):
            create_customer(
                session,
                NewCustomer(name="Acme", contact=NewContact("", email="a@b.cn")),
                actor,
            )


def test_new_customer_duplicate_warning(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        lead, _ = _add(session, actor, company="Acme", phone="13800138000")
        create_customer(session, NewCustomer(name="Zenith Foods"), actor)
    with sessions() as session:
        matches = check_new_customer(
            session,
            NewCustomer(
                name="Zenith Foods Ltd",
                contact=NewContact("Chen", phone="+86 138 0013 8000"),
            ),
        )
        found = {(m.field, m.record) for m in matches}
        assert found == {
            (MatchField.COMPANY, RecordKind.CUSTOMER),
            (MatchField.PHONE, RecordKind.LEAD),
        }
        assert any(m.record_id == lead.id for m in matches)


# Merge -----------------------------------------------------------------------------


def test_merge_keeps_every_value(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        keep, _ = _add(
            session,
            actor,
            company="Acme",
            person="Li Wei",
            phone="13800138000",
            source="Website",
            notes="asked for prices",
        )
        other, _ = _add(
            session,
            actor,
            company="ACME Ltd",
            person="Wei Li",
            job_title="Buyer",
            phone="13900139000",
            email="li@acme.cn",
            source="Trade fair",
            notes="met at booth 12",
        )
        assert other.status == LeadStatus.FLAGGED
        merge_leads(session, keep.id, other.id, {"phone", "job_title"}, actor)
        # Chosen from the other lead: phone and job title.
        assert keep.phone == "+8613900139000"
        assert keep.phone_raw == "13900139000"
        assert keep.job_title == "Buyer"
        # Not chosen: the kept values stay.
        assert keep.company == "Acme"
        assert keep.source == "Website"
        assert keep.email == ""
        # Every value that lost goes into the notes, with both notes.
        assert keep.notes.startswith("asked for prices\n\nmet at booth 12\n\n")
        for text in (
            "company: ACME Ltd",
            "person: Wei Li",
            "phone: +8613800138000",
            "e-mail: li@acme.cn",
            "source: Trade fair",
        ):
            assert text in keep.notes
        assert other.status == LeadStatus.MERGED
        assert other.merged_into_id == keep.id
        assert other.phone == "+8613900139000"
        # The flag pointed at the merged lead, which is gone from the inbox.
        assert keep.status == LeadStatus.NEW


def test_merge_rejects_closed_and_same(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        first, _ = _add(session, actor, company="Acme", email="a@acme.cn")
        second, _ = _add(session, actor, company="Zenith", email="z@zenith.cn")
        with pytest.raises(ValidationError, match="into itself"):
            merge_leads(session, first.id, first.id, set(), actor)
        with pytest.raises(ValidationError, match="notes"):
            merge_leads(session, first.id, second.id, {"notes"}, actor)
        discard_lead(session, second.id, actor)
        with pytest.raises(ValidationError, match="discarded"):
            merge_leads(session, first.id, second.id, set(), actor)


# Conversion ------------------------------------------------------------------------


def test_convert_with_deal(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        lead, _ = _add(
            session,
            actor,
            company="Acme",
            person="Li Wei",
            job_title="Buyer",
            phone="13800138000",
            source="Trade fair",
            campaign="Spring expo",
        )
        series = find_series(session, "open-sales")
        result = convert_lead(
            session,
            lead.id,
            ConvertOptions(series_id=series.id, amount=Decimal("1200.50")),
            actor,
        )
        customer = session.get(Customer, result.customer_id)
        contact = session.get(Contact, result.contact_id)
        deal = session.get(Opportunity, result.opportunity_id)
        assert customer is not None
        assert contact is not None
        assert deal is not None
        assert result.customer_created
        assert (customer.name, customer.source, customer.campaign) == (
            "Acme",
            "Trade fair",
            "Spring expo",
        )
        assert customer.lead_id == lead.id
        assert customer.state_id == series.start_state_id
        assert (contact.name, contact.job_title, contact.phone) == (
            "Li Wei",
            "Buyer",
            "+8613800138000",
        )
        assert deal.title == "Acme"
        assert deal.customer_id == customer.id
        assert deal.contact_id == contact.id
        assert (deal.source, deal.campaign, deal.lead_id) == (
            "Trade fair",
            "Spring expo",
            lead.id,
        )
        assert deal.amount_minor == 120050
        assert deal.stage_id == series.stage_by_key("qualify").id
        assert lead.status == LeadStatus.CONVERTED
        assert lead.converted_opportunity_id == deal.id


def test_convert_flagged_needs_choice(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        customer = create_customer(
            session,
            NewCustomer(name="Acme", contact=NewContact("Li Wei", phone="13800138000")),
            actor,
        )
        lead, matches = _add(
            session, actor, company="Acme", person="Li Wei", phone="13800138000"
        )
        assert [m.record_id for m in matches] == [customer.id]
        with pytest.raises(ValidationError, match="flagged as a possible duplicate"):
            convert_lead(session, lead.id, ConvertOptions(), actor)
        result = convert_lead(
            session, lead.id, ConvertOptions(customer_id=customer.id), actor
        )
        assert not result.customer_created
        # The lead's person is already the customer's contact, so none is added.
        assert len(list(session.scalars(select(Contact)))) == 1
        assert result.opportunity_id is None
        assert lead.converted_customer_id == customer.id


def test_converted_lead_not_own_duplicate(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        lead, _ = _add(
            session,
            actor,
            company="Zenith Foods",
            person="Omar Haddad",
            phone="13800138000",
            email="omar@zenith.example",
        )
        convert_lead(session, lead.id, ConvertOptions(), actor)
        index = DuplicateIndex.load(session)
        # The customer and contact carry the lead's phone, e-mail and names.
        assert index.find(candidate_of(lead)) == []
        # Another lead with the same phone is a duplicate of the customer.
        twin = screen_lead(NewLead(company="Other", phone="13800138000"))
        found = index.find(candidate_of(twin))
        assert [(m.record, m.name) for m in found] == [
            (RecordKind.CUSTOMER, "Zenith Foods")
        ]


def test_postgres_add_and_list(any_sessions: Any) -> None:
    with any_sessions.begin() as session:
        install_playbook(session, TEST_PLAYBOOK)
        user = ensure_user(session, "lin", "Lin Wei")
        actor = Actor(user.id, ChangeSource.CLI)
        first, _ = _add(session, actor, company="Acme", phone="13800138000")
        _add(session, actor, company="Zenith", phone="+86 138 0013 8000")
        convert_lead(session, first.id, ConvertOptions(), actor)
    with any_sessions() as session:
        flagged = list_leads(session, ("flagged",), text="zen")
        assert len(flagged) == 1
        assert flagged[0].matches[0].record is RecordKind.LEAD
        assert isinstance(flagged[0].matches[0].record_id, uuid.UUID)
        assert len(list_leads(session, ("converted",))) == 1


def test_merge_repoints_other_flags(sessions: Any, actor: Actor) -> None:
    with sessions.begin() as session:
        first, _ = _add(session, actor, company="Acme", phone="13800138000")
        second, _ = _add(
            session, actor, company="Zenith", phone="13800138000", email="z@z.cn"
        )
        third, _ = _add(session, actor, company="Quartz", email="z@z.cn")
        assert third.duplicate_of_lead_id == second.id
        merge_leads(session, first.id, second.id, {"email"}, actor)
        # The third lead shared its e-mail with the merged lead; the kept lead
        # now has that address, so the flag points at the kept lead.
        assert third.status == LeadStatus.FLAGGED
        assert third.duplicate_of_lead_id == first.id


@given(
    st.lists(st.text(alphabet="abc星辰", min_size=0, max_size=9), max_size=30),
    st.text(alphabet="abc星辰", min_size=1, max_size=9),
)
@settings(max_examples=150, deadline=None)
def test_similar_names_match_brute_force(names: list[str], wanted: str) -> None:
    index = DuplicateIndex()
    for name in names:
        index._add(_Entry("lead", uuid.uuid4(), name, name, name, "", ""))
    found = {(entry.id, score) for entry, score in index._similar(wanted, "company")}
    expected = {
        (entry.id, name_score(wanted, entry.company))
        for entry in index.entries
        if name_score(wanted, entry.company) >= NAME_THRESHOLD
    }
    assert found == expected
