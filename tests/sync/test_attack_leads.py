"""Attacks on leads across laptops: one file imported twice, races on one lead.

Real laptops drive the lead services against a real server. Expected outcomes
follow docs/import.md: importing the same file twice adds nothing. They also
follow docs/sync.md: team rows are shared only within their team, and a lead
that someone else already converted is never converted or discarded again.
"""

# Tests take the imported ``team`` fixture as a parameter of the same name.
# ruff: noqa: F811

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from synckit import Client
from test_workflows_e2e import (
    _actor,
    _issues,
    team,  # noqa: F401  (a fixture)
)

from crmdesk.services.imports.leads import import_leads
from crmdesk.services.lead_conversion import ConvertOptions, convert_lead
from crmdesk.services.leads import discard_lead, list_leads

FAIR = (
    "company,person,phone,email,source\n"
    "Sunny Kindergarten,Zhou Min,+86 139-0013-9000,,Spring fair\n"
    "Wang family,Wang Lei,13700137000,,Spring fair\n"
)


def _fair(tmp_path: Path) -> Path:
    table = tmp_path / "fair.csv"
    table.write_text(FAIR, encoding="utf-8")
    return table


def _import(laptop: Client, table: Path) -> Any:
    with laptop.sessions.begin() as session:
        return import_leads(session, table, None, _actor(laptop))


def _companies(laptop: Client) -> list[str]:
    with laptop.sessions.begin() as session:
        return sorted(r.name for r in list_leads(session))


def _lead_id(laptop: Client, company: str) -> uuid.UUID:
    with laptop.sessions.begin() as session:
        return next(r.id for r in list_leads(session) if r.name == company)


def test_same_file_two_laptops_converge(server, team, tmp_path):
    ann, bob, lee = team.ann, team.bob, team.lee
    table = _fair(tmp_path)
    assert _import(ann, table).imported == 2
    assert _import(bob, table).imported == 2
    for laptop in (ann, bob, ann, lee):
        laptop.sync()

    assert server.scalar("SELECT count(*) FROM leads") == 2
    for laptop in (ann, bob, lee):
        assert _companies(laptop) == ["Sunny Kindergarten", "Wang family"]


def test_same_file_two_laptops_issue_is_clear(server, team, tmp_path):
    ann, bob = team.ann, team.bob
    table = _fair(tmp_path)
    _import(ann, table)
    _import(bob, table)
    ann.sync()
    bob.sync()

    # Bob's rows were already imported by Ann. If that is an issue at all, it
    # names the lead in the user's words, not PostgreSQL's constraint.
    for issue in _issues(bob):
        assert "unique constraint" not in issue.message, issue.message
        assert "leads_external_source_external_key_key" not in issue.message


def test_same_file_in_other_team_lands(server, team, tmp_path):
    ann, cid = team.ann, team.cid
    table = _fair(tmp_path)
    assert _import(ann, table).imported == 2
    ann.sync()
    # Cid's team cannot see Ann's leads, so its own import of the same fair
    # list is new to it and must land in its team.
    assert _import(cid, table).imported == 2
    cid.sync()

    assert [(i.kind, i.message) for i in _issues(cid)] == []
    assert (
        server.scalar(
            "SELECT count(*) FROM leads WHERE team_id = :t",
            t=server.teams["front-end"],
        )
        == 2
    )
    assert _companies(cid) == ["Sunny Kindergarten", "Wang family"]


def test_converted_and_discarded_offline(server, team, tmp_path):
    ann, bob, lee, edu = team.ann, team.bob, team.lee, team.edu
    _import(ann, _fair(tmp_path))
    for laptop in (ann, bob, lee):
        laptop.sync()
    wang = _lead_id(ann, "Wang family")
    with bob.sessions.begin() as session:
        convert_lead(
            session,
            wang,
            ConvertOptions(
                series_id=edu.series["new-customer"],
                deal_title="Maths course",
                amount=Decimal("6800"),
            ),
            _actor(bob),
        )
    with ann.sessions.begin() as session:
        discard_lead(session, wang, _actor(ann), "No interest")
    for laptop in (bob, ann, bob, lee):
        laptop.sync()

    # Bob's conversion landed first, so Ann's discard is refused with a
    # conflict, and every laptop shows the lead converted.
    assert server.scalar("SELECT status FROM leads WHERE id = :i", i=wang) == (
        "converted"
    )
    assert [i.kind for i in _issues(ann)] == ["conflict"]
    for laptop in (ann, bob, lee):
        status = laptop.scalar("SELECT status FROM leads WHERE id = :i", i=wang)
        assert status == "converted", laptop.name
