"""Edge values that the deal service accepts, pushed to a real server.

A value that passes the laptop's checks must land on the server unchanged,
reach the team lead's laptop, and keep working in what reads it there.
"""

from __future__ import annotations

from datetime import date

from synckit import new_deal

from crmdesk.domain.reports import ReportFilter
from crmdesk.services import reports

# 2**63 - 1 fen: the largest amount the amount check accepts.
MAX_AMOUNT = "92233720368547758.07"
MAX_MINOR = 2**63 - 1


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
    # One ordinary deal and one whose amount was typed with extra digits.
    new_deal(ann, "Campus licence", "12000")
    new_deal(ann, "Typo", MAX_AMOUNT)
    ann.sync()
    lee.sync()

    # The lead's pipeline report must still open on his own laptop.
    with lee.sessions() as session:
        funnel = reports.funnel(session, ReportFilter())
    assert sum(row.count for row in funnel.rows) == 2
