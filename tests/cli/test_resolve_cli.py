"""``crmdesk resolve``: settle an open sync issue from the command line.

The issues are written into the store as a sync round writes them, on a deal of
the hand-written test playbook. The expected values are the issue's own.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from helpers import pipeline

from crmdesk.cli import run
from crmdesk.config.paths import resolve_paths
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import NewOpportunity, create_opportunity
from crmdesk.storage.db import open_store
from crmdesk.sync import local


@pytest.fixture
def deal_with_issues():
    paths = resolve_paths()
    paths.ensure()
    engine, sessions = open_store(paths.database)
    with sessions.begin() as session:
        ids = pipeline.install(session)
        deal = create_opportunity(
            session,
            NewOpportunity(
                series_id=ids.series["sales"],
                title="Contested",
                amount=Decimal("100"),
                notes="my notes",
            ),
            Actor(None, ChangeSource.FORM),
        )
    common = {"table_name": "opportunities", "row_id": deal.id, "message": ""}
    with engine.begin() as connection:
        notes = local.add_issue(
            connection,
            kind="also_edited",
            field="notes",
            mine="my notes",
            theirs="their notes",
            base="first notes",
            kept="mine",
            **common,
        )
        refused = local.add_issue(
            connection, kind="not_permitted", field=None, mine=None, **common
        )
    yield engine, deal.id, notes, refused
    engine.dispose()


def _state(engine: sa.Engine, issue: uuid.UUID) -> tuple[str, str | None]:
    with engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT state, resolution FROM sync_issues WHERE id = :i"),
            {"i": issue.hex},
        ).one()
    return row[0], row[1]


def test_keep_theirs_by_id_prefix(deal_with_issues, capsys):
    engine, deal, notes, _refused = deal_with_issues

    assert run(["resolve", notes.hex[-12:], "keep-theirs"]) == 1
    assert "no open sync issue" in capsys.readouterr().err
    assert run(["resolve", str(notes)[:23], "keep-theirs"]) == 0

    assert f"issue {notes} settled with keep-theirs" in capsys.readouterr().out
    assert _state(engine, notes) == ("resolved", "keep_theirs")
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT notes FROM opportunities WHERE id = :i"), {"i": deal.hex}
        ).scalar()
    # The clock kept my notes, so keeping theirs writes their value back.
    assert stored == "their notes"


def test_action_that_does_not_fit_is_rejected(deal_with_issues, capsys):
    engine, _deal, _notes, refused = deal_with_issues

    assert run(["resolve", refused.hex, "restore"]) == 1
    error = capsys.readouterr().err
    assert "does not apply to a not_permitted issue" in error
    assert "keep_theirs" in error
    assert _state(engine, refused)[0] == "open"


def test_ambiguous_prefix_asks_for_more(deal_with_issues, capsys):
    _engine, _deal, notes, refused = deal_with_issues
    shared = 0
    while notes.hex[shared] == refused.hex[shared]:
        shared += 1

    assert run(["resolve", notes.hex[:shared], "use-mine"]) == 1
    assert "2 open sync issues" in capsys.readouterr().err
