"""Checks of typed-in deal fields, with translated messages that name the value.

Forms run these before they call a service, so the user sees the problem next to
the field in their own language. The services check the same values again.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QCoreApplication

from crmdesk.domain.errors import ValidationError
from crmdesk.domain.money import Money, check_currency


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
