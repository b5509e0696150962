"""Workspace services behind the Settings dialog: rate deletion and time zone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.services.reports import BUSINESS_TIME_ZONE
from crmdesk.services.workspace import (
    business_time_zone,
    delete_exchange_rate,
    exchange_rates,
    get_setting,
    set_business_time_zone,
    set_exchange_rate,
)


def test_delete_rate_removes_row(sessions):
    with sessions.begin() as session:
        set_exchange_rate(session, "EUR", "1.08")
        set_exchange_rate(session, "JPY", "0.0067")
    with sessions.begin() as session:
        delete_exchange_rate(session, "eur")

    with sessions() as session:
        assert exchange_rates(session) == {"JPY": Decimal("0.0067")}


def test_delete_missing_rate_raises(sessions):
    with sessions.begin() as session, pytest.raises(NotFoundError, match="USD"):
        delete_exchange_rate(session, "USD")


def test_delete_bad_code_raises(sessions):
    with sessions.begin() as session, pytest.raises(ValidationError):
        delete_exchange_rate(session, "EURO")


def test_time_zone_default_utc(sessions):
    with sessions() as session:
        assert business_time_zone(session) == "UTC"


def test_time_zone_read_by_reports(sessions):
    with sessions.begin() as session:
        set_business_time_zone(session, " Asia/Shanghai ")

    with sessions() as session:
        assert business_time_zone(session) == "Asia/Shanghai"
        assert get_setting(session, BUSINESS_TIME_ZONE) == "Asia/Shanghai"


def test_unknown_time_zone_raises(sessions):
    with sessions.begin() as session:
        with pytest.raises(ValidationError, match="unknown time zone 'Mars/Base'"):
            set_business_time_zone(session, "Mars/Base")
        assert get_setting(session, BUSINESS_TIME_ZONE) is None
