"""A first round trip: config reaches a rep, a deal goes up and comes back."""

from __future__ import annotations

from decimal import Decimal

from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import NewOpportunity, create_opportunity


def test_rep_receives_config_and_pushes_a_deal(server, make_client):
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    first = ann.sync()
    assert first.pulled > 0
    assert ann.scalar("SELECT count(*) FROM stages") == server.scalar(
        "SELECT count(*) FROM stages"
    )
    pipeline = server.pipeline
    with ann.sessions.begin() as session:
        create_opportunity(
            session,
            NewOpportunity(
                series_id=pipeline.series["sales"],
                title="Library upgrade",
                amount=Decimal("1200"),
                currency="CNY",
            ),
            Actor(ann.user_id, ChangeSource.CLI),
        )
    result = ann.sync()
    assert result.pushed >= 2
    assert result.issues == []
    assert server.scalar("SELECT title FROM opportunities") == "Library upgrade"
    assert ann.scalar("SELECT version FROM opportunities") == server.scalar(
        "SELECT row_version FROM opportunities"
    )
