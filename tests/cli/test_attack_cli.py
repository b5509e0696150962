"""Bad input to ``new-deal``, ``edit-deal``, ``move`` and ``report``.

Each command runs through ``crmdesk.cli.run`` on a store with the test
playbook. A command either does what it was given or exits non-zero with a
message that names the value and what to pass instead. It never ends in a
traceback.
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


def _new_deal(capsys, *options: str) -> uuid.UUID:
    assert run(["new-deal", "sales", "Campus licence", *options]) == 0
    return uuid.UUID(capsys.readouterr().out.split()[2])


def _value(engine: sa.Engine, column: str, deal: uuid.UUID) -> object:
    with engine.connect() as connection:
        return connection.execute(
            sa.text(f"SELECT {column} FROM opportunities WHERE id = :i"),
            {"i": deal.hex},
        ).scalar()


# An amount typed with extra digits: 2**63 - 1 fen, the 64-bit column's limit.
# Let in, it and any other deal in the same stage would take SQLite's SUM past
# that limit.
HUGE = "92233720368547758.07"


@pytest.mark.parametrize(
    "report", [["funnel"], ["forecast", "--from", "2000-01-01", "--to", "2100-12-31"]]
)
def test_huge_amount_keeps_report_working(store, capsys, report):
    _new_deal(capsys, "--amount", "100", "--close", "2027-01-31")
    code = run(["new-deal", "sales", "Typo", "--amount", HUGE, "--close", "2027-01-31"])
    output = capsys.readouterr()
    if code != 0:
        # Refusing the amount is fine when the message names it.
        assert HUGE in output.err
        return

    code = run(["report", *report])

    output = capsys.readouterr()
    assert code == 0, output.err


def test_short_id_prefix_names_minimum(store, capsys):
    deal = _new_deal(capsys)
    prefix = str(deal)[:3]

    code = run(["move", prefix, "qualified"])

    error = capsys.readouterr().err
    assert code == 1
    assert repr(prefix) in error
    # The user did pass the first characters of an id, so the message must state
    # how many are needed.
    assert "4" in error or "four" in error, error


@pytest.mark.parametrize(
    ("options", "column"),
    [
        (["--clear-amount", "--amount", "5"], "amount_minor"),
        (["--clear-close", "--close", "2027-01-31"], "expected_close"),
    ],
)
def test_clear_with_value_is_rejected(store, capsys, options, column):
    deal = _new_deal(capsys, "--amount", "100", "--close", "2026-12-31")
    before = _value(store, column, deal)

    code = run(["edit-deal", str(deal), *options])

    output = capsys.readouterr()
    # Both a value and --clear-... were given: one of them would be dropped
    # without a word, so the command must refuse and name both options.
    assert code != 0, output.out
    assert options[0] in output.err
    assert options[1] in output.err
    assert _value(store, column, deal) == before


def test_deleted_deal_id_is_not_found(store, capsys):
    deal = _new_deal(capsys)
    with store.begin() as connection:
        connection.execute(
            sa.text("UPDATE opportunities SET deleted_at = '2026-12-01' WHERE id = :i"),
            {"i": deal.hex},
        )

    code = run(["edit-deal", str(deal), "--notes", "late"])

    error = capsys.readouterr().err
    assert code == 1
    assert str(deal) in error
    assert "not found" in error


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--amount", "1e30"], "'1E+30'"),
        (["--amount", "-5"], "-5"),
        (["--close", "10000-01-01"], "'10000-01-01'"),
        (["--currency", "ZZZ"], "'ZZZ'"),
    ],
)
def test_new_deal_bad_value_is_named(store, capsys, options, message):
    code = run(["new-deal", "sales", "Campus licence", *options])

    error = capsys.readouterr().err
    assert code == 1
    assert message in error
