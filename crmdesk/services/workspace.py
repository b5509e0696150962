"""Settings of one local store: base currency, exchange rates, business time zone
and the current user."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.dates import business_zone
from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.money import check_currency
from crmdesk.services.context import utc_now
from crmdesk.storage.models import ExchangeRate, User, WorkspaceSetting

BASE_CURRENCY = "base_currency"
CURRENT_USER = "current_user"
DEFAULT_BASE_CURRENCY = "CNY"
# The reports read the same key (crmdesk.services.reports.BUSINESS_TIME_ZONE);
# it is repeated here because the reports module imports this one.
BUSINESS_TIME_ZONE = "business_time_zone"
DEFAULT_TIME_ZONE = "UTC"


def get_setting(session: Session, key: str) -> str | None:
    """Return a workspace setting, or None when it was never set."""
    row = session.get(WorkspaceSetting, key)
    return None if row is None else row.value


def set_setting(session: Session, key: str, value: str) -> None:
    """Store a workspace setting."""
    row = session.get(WorkspaceSetting, key)
    if row is None:
        session.add(WorkspaceSetting(key=key, value=value))
    else:
        row.value = value


def base_currency(session: Session) -> str:
    """Return the currency that board and report totals are converted to."""
    return get_setting(session, BASE_CURRENCY) or DEFAULT_BASE_CURRENCY


def set_base_currency(session: Session, currency: str) -> None:
    """Set the base currency of totals (an ISO 4217 code)."""
    set_setting(session, BASE_CURRENCY, check_currency(currency))


def exchange_rates(session: Session) -> dict[str, Decimal]:
    """Return each currency's rate: base-currency units per unit of that currency."""
    return {
        row.currency: Decimal(row.rate) for row in session.scalars(select(ExchangeRate))
    }


def set_exchange_rate(session: Session, currency: str, rate: str | Decimal) -> None:
    """Set how many base-currency units one unit of ``currency`` is worth."""
    code = check_currency(currency)
    try:
        value = Decimal(str(rate).strip())
    except InvalidOperation:
        raise ValidationError(
            f"invalid exchange rate {rate!r} for {code}: write a positive number"
        ) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError(
            f"invalid exchange rate {rate!r} for {code}: write a positive number"
        )
    row = session.get(ExchangeRate, code)
    if row is None:
        session.add(ExchangeRate(currency=code, rate=str(value), updated_at=utc_now()))
    else:
        row.rate = str(value)
        row.updated_at = utc_now()


def delete_exchange_rate(session: Session, currency: str) -> None:
    """Remove the rate of ``currency``; totals of its deals then need a new rate.

    Raises:
        ValidationError: the code is not an ISO 4217 currency.
        NotFoundError: no rate is stored for the currency.
    """
    code = check_currency(currency)
    row = session.get(ExchangeRate, code)
    if row is None:
        raise NotFoundError(f"no exchange rate for {code} is stored")
    session.delete(row)


def business_time_zone(session: Session) -> str:
    """Return the IANA time zone whose calendar days the reports count in."""
    return get_setting(session, BUSINESS_TIME_ZONE) or DEFAULT_TIME_ZONE


def set_business_time_zone(session: Session, name: str) -> None:
    """Set the business time zone to an IANA name such as ``Asia/Shanghai``.

    Raises:
        ValidationError: the name is not a known time zone.
    """
    cleaned = name.strip()
    business_zone(cleaned)
    set_setting(session, BUSINESS_TIME_ZONE, cleaned)


def current_user_id(session: Session) -> uuid.UUID | None:
    """Return the id of the user this installation acts as, if one is set."""
    value = get_setting(session, CURRENT_USER)
    return None if value is None else uuid.UUID(value)


def set_current_user(session: Session, user_id: uuid.UUID) -> None:
    """Set the user this installation acts as."""
    if session.get(User, user_id) is None:
        raise NotFoundError(f"user {user_id} not found")
    set_setting(session, CURRENT_USER, str(user_id))


def ensure_user(
    session: Session,
    login: str,
    display_name: str,
    *,
    role: str = "rep",
    team_id: uuid.UUID | None = None,
) -> User:
    """Return the user with ``login``, creating it when missing."""
    user = session.scalars(select(User).where(User.login == login)).first()
    if user is None:
        user = User(login=login, display_name=display_name, role=role, team_id=team_id)
        session.add(user)
        session.flush()
    return user
