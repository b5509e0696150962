"""Checks of typed-in deal fields, with translated messages that name the value.

Forms run these before they call a service, so the user sees the problem next to
the field in their own language. The services check the same values again.
"""

from __future__ import annotations

from decimal import Decimal

import phonenumbers
from PySide6.QtCore import QCoreApplication

from crmdesk.config.settings import SettingsError, check_phone_region
from crmdesk.domain.dates import business_zone
from crmdesk.domain.errors import ValidationError
from crmdesk.domain.money import Money, check_currency
from crmdesk.services.screening import check_email


# Each call names its context and text as literals, because pyside6-lupdate only
# extracts translate() calls whose arguments are string literals.
def checked_title(text: str) -> str:
    """Return the stripped deal title.

    Raises:
        ValidationError: the title is empty.
    """
    title = text.strip()
    if not title:
        raise ValidationError(
            QCoreApplication.translate(
                "FieldCheck", "The title is empty: say what is being sold."
            )
        )
    return title


def checked_currency(text: str) -> str:
    """Return the upper-case ISO 4217 code.

    Raises:
        ValidationError: the code is not a known currency.
    """
    try:
        return check_currency(text)
    except ValidationError:
        raise ValidationError(
            QCoreApplication.translate(
                "FieldCheck",
                "Invalid currency “{code}”: use an ISO 4217 code such as CNY.",
            ).format(code=text)
        ) from None


def checked_amount(text: str, currency: str) -> Decimal | None:
    """Return the amount in major units, or None for an empty field.

    Raises:
        ValidationError: the text is not a number, has more decimals than the
            currency allows, or is negative.
    """
    stripped = text.strip()
    if not stripped:
        return None
    try:
        amount = Money.parse(stripped, currency).amount
    except ValidationError:
        raise ValidationError(
            QCoreApplication.translate(
                "FieldCheck",
                "Invalid amount “{amount}”: write a number such as 1234.50, with "
                "no more decimals than {currency} allows.",
            ).format(amount=stripped, currency=currency)
        ) from None
    if amount < 0:
        raise ValidationError(
            QCoreApplication.translate(
                "FieldCheck", "Invalid amount “{amount}”: enter zero or more."
            ).format(amount=stripped)
        )
    return amount


def checked_phone(text: str, region: str) -> str:
    """Return the phone number in international format, or "" for an empty field.

    A number without a +country code is read as a number of ``region``.

    Raises:
        ValidationError: the text is not a valid phone number.
    """
    stripped = text.strip()
    if not stripped:
        return ""
    try:
        number = phonenumbers.parse(stripped, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            QCoreApplication.translate(
                "FieldCheck",
                "Invalid phone number “{phone}”: write it with its area code, or "
                "start with + and the country code if it is not a {region} number.",
            ).format(phone=stripped, region=region)
        )
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def checked_email(text: str) -> str:
    """Return the e-mail address in lower case, or "" for an empty field.

    Raises:
        ValidationError: the address is not of the form name@example.com.
    """
    try:
        return check_email(text)
    except ValidationError:
        raise ValidationError(
            QCoreApplication.translate(
                "FieldCheck",
                "Invalid e-mail address “{email}”: write it as name@example.com, "
                "one address per field.",
            ).format(email=text.strip())
        ) from None


def checked_phone_region(text: str) -> str:
    """Return the upper-case two-letter phone region.

    Raises:
        ValidationError: the code is not a region the phone library knows.
    """
    try:
        return check_phone_region(text)
    except SettingsError:
        raise ValidationError(
            QCoreApplication.translate(
                "FieldCheck",
                "Invalid phone region “{region}”: use a two-letter region code "
                "such as CN, HK or US.",
            ).format(region=text)
        ) from None


def checked_time_zone(text: str) -> str:
    """Return the IANA time zone name.

    Raises:
        ValidationError: the name is not a known time zone.
    """
    name = text.strip()
    try:
        business_zone(name)
    except ValidationError:
        raise ValidationError(
            QCoreApplication.translate(
                "FieldCheck",
                "Unknown time zone “{zone}”: pick a name from the list, such as "
                "Asia/Shanghai.",
            ).format(zone=text)
        ) from None
    return name
