"""Column totals: per-deal weighting, exact money, currencies converted once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crmdesk.domain.board import Card, CardFilter, totals
from crmdesk.domain.errors import ValidationError

STAGE = uuid.uuid4()


def card(amount: str | None, probability: int, currency: str = "CNY", **kw) -> Card:
    minor = None if amount is None else int(Decimal(amount) * 100)
    fields = dict(
        id=uuid.uuid4(),
        stage_id=STAGE,
        title="t",
        customer="c",
        amount_minor=minor,
        currency=currency,
        expected_close=None,
        probability=probability,
        manual_probability=None,
        checklist_done=0,
        checklist_total=0,
        owner_id=None,
        owner="",
        stage_entered_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    fields.update(kw)
    return Card(**fields)


def test_weighted_is_per_deal():
    cards = [card("100", 99), card("200", 0)]
    assert totals(cards, "CNY", {}).weighted == Decimal("99.00")
    cards.append(card("50", 50))
    result = totals(cards, "CNY", {})
    assert result.weighted == Decimal("124.00")
    assert result.amount == Decimal("350.00")
    assert result.count == 3


def test_deal_without_amount_counts_but_adds_nothing():
    result = totals(
        [card("100", 10), card("250", 10), card("40", 10), card(None, 10)], "CNY", {}
    )
    assert result.count == 4
    assert result.amount == Decimal("390.00")
    assert result.weighted == Decimal("39.00")


def test_currencies_convert_to_base():
    rates = {"USD": Decimal("7.1")}
    result = totals([card("10.00", 50, "USD"), card("1.00", 100)], "CNY", rates)
    assert result.amount == Decimal("72.00")
    assert result.weighted == Decimal("36.50")


def test_missing_rate_names_currency():
    with pytest.raises(ValidationError, match="USD to CNY"):
        totals([card("1", 10, "USD")], "CNY", {})


def test_filter_by_text_owner_and_close_range():
    owner = uuid.uuid4()
    target = card(
        "1",
        10,
        title="Summer camp",
        owner_id=owner,
        expected_close=datetime(2026, 5, 1).date(),
    )
    other = card("1", 10, title="Piano")
    assert CardFilter(text="summer").matches(target)
    assert not CardFilter(text="summer").matches(other)
    assert CardFilter(owner_id=owner).matches(target)
    assert not CardFilter(owner_id=owner).matches(other)
    in_range = CardFilter(
        close_from=datetime(2026, 4, 1).date(), close_to=datetime(2026, 5, 1).date()
    )
    assert in_range.matches(target)
    assert not in_range.matches(other)
