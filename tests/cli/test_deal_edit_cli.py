"""``crmdesk new-deal`` and ``crmdesk edit-deal`` on the hand-written test playbook.

Expected stored values are worked by hand from the arguments: amounts in minor
units (12,345.50 is 1234550 cents), dates as given.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from helpers import pipeline

from crmdesk.cli import run
from crmdesk.config.paths import resolve_paths
from crmdesk.services.workspace import set_base_currency
from crmdesk.storage.db import open_store


@pytest.fixture
def store():
    paths = resolve_paths()
    paths.ensure()
    engine, sessions = open_store(paths.database)
    with sessions.begin() as session:
        pipeline.install(session)
        set_base_currency(session, "CNY")
    yield engine
    engine.dispose()


def _deal(engine: sa.Engine, deal_id: uuid.UUID) -> dict[str, object]:
    with engine.connect() as connection:
        row = connection.execute(
            sa.text(
                "SELECT o.title, o.amount_minor, o.currency, o.expected_close, "
                "o.notes, s.key AS stage FROM opportunities o "
                "JOIN stages s ON s.id = o.stage_id WHERE o.id = :i"
            ),
            {"i": deal_id.hex},
        ).one()
    return dict(row._mapping)


def _added_id(output: str) -> uuid.UUID:
    return uuid.UUID(output.split()[2])


def test_new_deal_stores_the_fields(store, capsys):
    arguments = ["new-deal", "sales", "Campus licence", "--amount", "12,345.50"]
    arguments += ["--close", "2027-03-31", "--notes", "two campuses"]
    code = run(arguments)

    assert code == 0
    deal = _added_id(capsys.readouterr().out)
    assert _deal(store, deal) == {
        "title": "Campus licence",
        "amount_minor": 1234550,
        "currency": "CNY",
        "expected_close": "2027-03-31",
        "notes": "two campuses",
        "stage": "new",
    }
    with store.connect() as connection:
        journaled = connection.execute(
            sa.text("SELECT count(*) FROM outbox WHERE row_id = :i"), {"i": deal.hex}
        ).scalar()
    assert journaled == 1


def test_edit_deal_changes_only_given_fields(store, capsys):
    run(
        [
            "new-deal",
            "sales",
            "Campus licence",
            "--amount",
            "100",
            "--close",
            "2027-01-01",
        ]
    )
    deal = _added_id(capsys.readouterr().out)

    assert run(["edit-deal", deal.hex[:12], "--amount", "250.5", "--clear-close"]) == 0
    assert f"changed deal {deal}" in capsys.readouterr().out
    stored = _deal(store, deal)
    assert stored["amount_minor"] == 25050
    assert stored["expected_close"] is None
    assert stored["title"] == "Campus licence"


def test_edit_deal_without_fields_changes_nothing(store, capsys):
    run(["new-deal", "sales", "Campus licence"])
    deal = _added_id(capsys.readouterr().out)

    assert run(["edit-deal", str(deal)]) == 2
    assert "nothing to change" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--close", "31.03.2027", "invalid date '31.03.2027'"),
        ("--amount", "12,50", "12,50"),
        ("--currency", "YUAN", "invalid currency code 'YUAN'"),
    ],
)
def test_new_deal_rejects_bad_values(store, capsys, option, value, message):
    assert run(["new-deal", "sales", "Bad", option, value]) == 1
    assert message in capsys.readouterr().err
    with store.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM opportunities"))
        assert count.scalar() == 0
