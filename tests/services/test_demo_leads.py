"""The demo inbox: its leads pass the real screening, flags and merge."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import select

from crmdesk.services.demo import generate_demo
from crmdesk.services.duplicates import MatchField, RecordKind, decode_matches
from crmdesk.storage.db import open_store
from crmdesk.storage.models import Customer, Lead


def test_demo_inbox(tmp_path: Path) -> None:
    engine, sessions = open_store(tmp_path / "demo.sqlite3")
    try:
        generate_demo(sessions, 300, seed=7, today=date(2025, 6, 30))
        with sessions() as session:
            leads = session.scalars(select(Lead)).all()
            converted = next(lead for lead in leads if lead.person == "何静")
            customer = session.get(Customer, converted.converted_customer_id)
            assert customer is not None
            assert customer.source == "转介绍"
    finally:
        engine.dispose()

    # 14 hand-written leads, the repeated form of 刘建国, and one with the phone
    # of a demo customer.
    assert len(leads) == 16
    statuses = Counter(lead.status for lead in leads)
    assert statuses == {
        "new": 10,
        "flagged": 3,
        "merged": 1,
        "converted": 1,
        "discarded": 1,
    }
    flagged = [lead for lead in leads if lead.status == "flagged"]
    first_matches = [decode_matches(lead.flag_reason)[0] for lead in flagged]
    fields = sorted((match.field, match.record) for match in first_matches)
    assert fields == sorted(
        [
            (MatchField.PHONE, RecordKind.CUSTOMER),
            (MatchField.COMPANY, RecordKind.LEAD),
            (MatchField.EMAIL, RecordKind.LEAD),
        ]
    )
    merged = next(lead for lead in leads if lead.status == "merged")
    kept = next(lead for lead in leads if lead.id == merged.merged_into_id)
    assert kept.person == merged.person == "刘建国"
    assert kept.email == "liujg@sina.com"
    assert kept.phone == "+8618610347721"
