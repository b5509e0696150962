"""Translated texts of lead statuses, merge fields and duplicate flags."""

from __future__ import annotations

import phonenumbers
from PySide6.QtCore import QCoreApplication

from crmdesk.services.duplicates import DuplicateMatch, MatchField, RecordKind


# Each call names its context and text as literals, because pyside6-lupdate only
# extracts translate() calls whose arguments are string literals.
def status_text(status: str) -> str:
    """Return the translated name of a lead status."""
    texts = {
        "new": QCoreApplication.translate("LeadTexts", "New"),
        "flagged": QCoreApplication.translate("LeadTexts", "Flagged"),
        "converted": QCoreApplication.translate("LeadTexts", "Converted"),
        "merged": QCoreApplication.translate("LeadTexts", "Merged"),
        "discarded": QCoreApplication.translate("LeadTexts", "Discarded"),
    }
    return texts.get(status, status)


def field_label(name: str) -> str:
    """Return the translated label of a lead field."""
    texts = {
        "company": QCoreApplication.translate("LeadTexts", "Company"),
        "person": QCoreApplication.translate("LeadTexts", "Person"),
        "job_title": QCoreApplication.translate("LeadTexts", "Job title"),
        "phone": QCoreApplication.translate("LeadTexts", "Phone"),
        "email": QCoreApplication.translate("LeadTexts", "E-mail"),
        "source": QCoreApplication.translate("LeadTexts", "Source"),
        "campaign": QCoreApplication.translate("LeadTexts", "Campaign"),
        "notes": QCoreApplication.translate("LeadTexts", "Notes"),
    }
    return texts.get(name, name)


def phone_display(e164: str) -> str:
    """Return a stored E.164 number grouped for reading: +86 138 0013 8000.

    A value that does not parse is returned as stored.
    """
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def match_text(match: DuplicateMatch) -> str:
    """Return one flag reason as a translated sentence."""
    if match.record is RecordKind.LEAD:
        target = QCoreApplication.translate("LeadTexts", "lead “{name}”").format(
            name=match.name
        )
    elif match.contact:
        target = QCoreApplication.translate(
            "LeadTexts", "customer “{name}” (contact {contact})"
        ).format(name=match.name, contact=match.contact)
    else:
        target = QCoreApplication.translate("LeadTexts", "customer “{name}”").format(
            name=match.name
        )
    value = match.value
    if match.field is MatchField.PHONE:
        value = phone_display(match.value)
        text = QCoreApplication.translate("LeadTexts", "Same phone {value} as {target}")
    elif match.field is MatchField.EMAIL:
        text = QCoreApplication.translate(
            "LeadTexts", "Same e-mail {value} as {target}"
        )
    elif match.field is MatchField.COMPANY:
        text = QCoreApplication.translate(
            "LeadTexts", "Company name similar to {target} ({score}%)"
        )
    else:
        text = QCoreApplication.translate(
            "LeadTexts", "Person similar to {target} ({score}%)"
        )
    return text.format(value=value, target=target, score=match.score)


def matches_text(matches: tuple[DuplicateMatch, ...] | list[DuplicateMatch]) -> str:
    """Return every flag reason, one per line."""
    return "\n".join(match_text(match) for match in matches)
