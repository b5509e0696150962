"""Edge values that the deal service accepts, pushed to a real server.

A value that passes the laptop's checks must land on the server unchanged,
reach the team lead's laptop, and keep working in what reads it there.
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from synckit import new_deal

from crmdesk.domain.errors import ValidationError
from crmdesk.domain.reports import ReportFilter
from crmdesk.services import reports

# 10**13 fen: the largest amount the amount check accepts.
MAX_AMOUNT = "100000000000.00"
MAX_MINOR = 10**13


def _team(server, make_client):
    server.add_user("ann", "rep", "north")
    server.add_user("lee", "lead", "north")
    ann, lee = make_client("ann"), make_client("lee")
    ann.sync()
    lee.sync()
    return ann, lee


def test_edge_values_reach_server(server, make_client):
    ann, lee = _team(server, make_client)
    cases = {
        "Ancient 古": ("0", date(1, 1, 1)),
        "Far future 🎹": (MAX_AMOUNT, date(9999, 12, 31)),
        "Right-to-left \u202eabc": ("0.01", date(2027, 2, 28)),
    }
    ids = {
        title: new_deal(ann, title, amount, expected_close=close)
        for title, (amount, close) in cases.items()
    }
    result = ann.sync()
    lee.sync()

    assert result.issues == []
    for title, deal in ids.items():
        row = server.scalar(
            "SELECT json_build_array(title, amount_minor, expected_close::text) "
            "FROM opportunities WHERE id = :i",
            i=deal,
        )
        amount, close = cases[title]
        minor = MAX_MINOR if amount == MAX_AMOUNT else round(float(amount) * 100)
        assert row == [title, minor, close.isoformat()], title
        assert (
            lee.scalar("SELECT amount_minor FROM opportunities WHERE id = :i", i=deal)
            == minor
        ), title


def test_teammate_huge_amount_keeps_lead_report(server, make_client):
    ann, lee = _team(server, make_client)
    # One ordinary deal, one at the largest amount, and one typed with extra
    # digits, which the laptop rejects.
    new_deal(ann, "Campus licence", "12000")
    largest = new_deal(ann, "Largest", MAX_AMOUNT)
    with pytest.raises(ValidationError, match=r"100000000000\.01"):
        new_deal(ann, "Typo", "100000000000.01")
    ann.sync()
    # Hand-written SQL on her own login meets the server's limit instead.
    with (
        server.connect(ann.login) as connection,
        pytest.raises(psycopg.errors.CheckViolation, match="amount_minor_range"),
    ):
        connection.execute(
            "UPDATE opportunities SET amount_minor = %s WHERE id = %s",
            (2**63 - 1, largest),
        )
    lee.sync()

    # The lead's pipeline report opens on his own laptop.
    with lee.sessions() as session:
        funnel = reports.funnel(session, ReportFilter())
    assert sum(row.count for row in funnel.rows) == 2
