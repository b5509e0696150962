"""Screening of contact data on the way in: phone numbers, e-mail and names.

Phone numbers are parsed with the phonenumbers library against a default region
(the ``phone_region`` setting, CN unless set) and stored in E.164 form, so
"+86 138-0013-8000", "13800138000", "0086 13800138000" and "+86 13800138000"
are the same stored value "+8613800138000". A number the library parses but
finds invalid for its region, such as the ten-digit "1380013800", is an error,
never a near match of a valid number.

Names are folded for fuzzy comparison: Unicode compatibility forms (full-width
letters become ASCII), case, punctuation and spaces are removed, and company
names lose their legal-form suffix ("有限公司", "Co., Ltd."), so "ACME Trading
Co., Ltd." and "Acme Trading" fold to the same text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import ValidationError

# A pragmatic address check: one @, a local part without spaces, and a domain of
# dot-separated labels ending in a top-level domain of two or more letters.
# Quoted local parts and IP-literal domains, which RFC 5321 allows, are rejected
# because no sales contact uses them.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_EMAIL_MAX = 200

# Legal-form endings removed from a folded company name. Chinese endings are cut
# from the end of the text, longest first, so "股份有限公司" goes before "有限公司";
# Latin ones only as whole trailing words, so "Costco" keeps its "co".
_CJK_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司", "集团")
_LATIN_SUFFIXES = frozenset(
    (
        "corporation",
        "company",
        "limited",
        "gmbh",
        "corp",
        "inc",
        "llc",
        "ltd",
        "plc",
        "co",
    )
)


@dataclass(frozen=True)
class PhoneNumber:
    """A screened phone number: ``e164`` is the stored form, ``raw`` the input."""

    e164: str
    raw: str


def normalise_phone(
    text: str, region: str = DEFAULT_PHONE_REGION
) -> PhoneNumber | None:
    """Return the number in E.164 form, or None when ``text`` is blank.

    A number written without a country code is read in ``region``. A leading
    "00" international prefix is read as "+", so "0086 138…" is a Chinese
    number in every region.

    Raises:
        ValidationError: the text is not a phone number, or not a valid one.
    """
    raw = text.strip()
    if not raw:
        return None
    candidate = raw
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            f"invalid phone number {raw!r}: it is not a phone number. Write the "
            f"digits with their area code, or +country code for a number outside "
            f"{region}"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            f"invalid phone number {raw!r}: it has the wrong length or prefix for "
            f"{region}. Check the digits, and write +country code for a number "
            f"outside {region}"
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneNumber(e164, raw)


def phone_key(text: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """Return the E.164 form of a stored phone value, or "" when it is not valid.

    Older records keep phones as typed; duplicate checks compare them through
    this key, so an unreadable stored value matches nothing.
    """
    try:
        number = normalise_phone(text, region)
    except ValidationError:
        return ""
    return "" if number is None else number.e164


def check_email(text: str) -> str:
    """Return the address stripped and lower-cased, or "" when ``text`` is blank.

    Raises:
        ValidationError: the address is not of the form name@domain.tld.
    """
    typed = text.strip()
    # Full-width letters and "＠" typed with a Chinese input method become ASCII.
    address = unicodedata.normalize("NFKC", typed).strip()
    if not address:
        return ""
    if len(address) > _EMAIL_MAX:
        raise ValidationError(
            f"invalid e-mail address {typed[:40]!r}…: it is longer than "
            f"{_EMAIL_MAX} characters"
        )
    if not _EMAIL.match(address):
        raise ValidationError(
            f"invalid e-mail address {typed!r}: write it as name@example.com, "
            f"without spaces or commas, one address per field"
        )
    return address.lower()


def email_key(text: str) -> str:
    """Return the lower-case form of a stored e-mail value, or "" when invalid."""
    try:
        return check_email(text)
    except ValidationError:
        return ""


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    cleaned = "".join(
        char if char.isalnum() else " "
        for char in folded
        if not unicodedata.category(char).startswith("M")
    )
    return cleaned.split()


def fold_company(name: str) -> str:
    """Return a company name folded for fuzzy comparison (see the module text)."""
    words = _words(name)
    while len(words) > 1 and words[-1] in _LATIN_SUFFIXES:
        words.pop()
    text = "".join(words)
    cut = True
    while cut:
        cut = False
        for suffix in _CJK_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                cut = True
                break
    return text


def fold_person(name: str) -> str:
    """Return a person's name folded for fuzzy comparison, words in sorted order.

    Sorting the words makes "Wei Li" and "Li Wei" the same name; a Chinese name
    written without spaces is one word and stays as written.
    """
    return "".join(sorted(_words(name)))
