"""``crmdesk approvals list|approve|reject|request-again`` on the education playbook.

A rep of the "teaching" team moves a deal of 12,800 CNY into "Plan accepted",
which asks the team lead Li Na for the blocking "Price pre-approval".
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from crmdesk.cli import run
from crmdesk.config.paths import resolve_paths
from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import NewOpportunity, create_opportunity
from crmdesk.services.playbooks import install_playbook, list_series
from crmdesk.services.workspace import ensure_user, set_current_user
from crmdesk.storage import playbook_repo
from crmdesk.storage.db import open_store
from crmdesk.storage.models import Approval, Opportunity

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


class Store:
    def __init__(self) -> None:
        paths = resolve_paths()
        paths.ensure()
        self.engine, self.sessions = open_store(paths.database)
        with self.sessions.begin() as session:
            install_playbook(session, shipped_playbook("education"))
            team = playbook_repo.team_by_key(session, "teaching")
            assert team is not None
            self.lead = ensure_user(
                session, "li.na", "Li Na", role="lead", team_id=team.id
            ).id
            self.rep = ensure_user(
                session, "wang.fang", "Wang Fang", team_id=team.id
            ).id
            team.lead_id = self.lead
            series = next(
                s for s in list_series(session) if s.key == "trial-conversion"
            )
            stage = next(s for s in series.stages if s.key == "plan-accepted")
            self.deal = create_opportunity(
                session,
                NewOpportunity(
                    series_id=series.id,
                    title="Piano course",
                    amount=Decimal("12800"),
                    stage_id=stage.id,
                    owner_id=self.rep,
                ),
                Actor(self.rep, ChangeSource.FORM, T0),
            ).id
            self.request = session.scalars(select(Approval.id)).one()

    def act_as(self, user_id: uuid.UUID) -> None:
        with self.sessions.begin() as session:
            set_current_user(session, user_id)


@pytest.fixture
def store():
    built = Store()
    yield built
    built.engine.dispose()


def listing(capsys, *flags: str) -> list[dict]:
    capsys.readouterr()
    assert run(["approvals", "list", *flags, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_lead_lists_and_approves(store, capsys):
    store.act_as(store.lead)
    [row] = listing(capsys, "--pending")
    assert row["id"] == str(store.request)
    assert row["status"] == "pending"
    assert row["amount"] == "12800.00"
    assert row["approver"] == "Li Na"
    assert row["blocks_promotion"] is True

    prefix = str(store.request)[:13]
    code = run(
        ["approvals", "approve", prefix, "--comment", "OK", "--amount", "11,520.00"]
    )
    assert code == 0
    assert f"approved {store.request} at 11520.00 CNY" in capsys.readouterr().out
    assert listing(capsys, "--pending") == []
    [decided] = listing(capsys, "--decided")
    assert (decided["status"], decided["approved"]) == ("approved", "11520.00")
    with store.sessions() as session:
        deal = session.get(Opportunity, store.deal)
        assert deal is not None
        assert deal.amount_minor == 1_152_000


def test_list_table_columns(store, capsys):
    store.act_as(store.lead)
    capsys.readouterr()
    assert run(["--language", "en", "approvals", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "id",
        "deal",
        "approval",
        "stage",
        "status",
        "amount",
        "approved",
        "currency",
        "owner",
        "approver",
        "requested",
    ]
    assert "Price pre-approval" in lines[1]
    assert "12800.00" in lines[1]


def test_rep_may_not_decide(store, capsys):
    store.act_as(store.rep)
    assert [r["id"] for r in listing(capsys)] == [str(store.request)]
    assert run(["approvals", "approve", str(store.request)]) == 1
    error = capsys.readouterr().err
    assert "Wang Fang (wang.fang) may not decide" in error


def test_reject_needs_comment_no_amount(store, capsys):
    store.act_as(store.lead)
    with pytest.raises(SystemExit):
        run(["approvals", "reject", str(store.request)])
    capsys.readouterr()
    code = run(
        ["approvals", "reject", str(store.request), "--comment", "x", "--amount", "5"]
    )
    assert code == 1
    assert "--amount 5 applies only when approving" in capsys.readouterr().err
    code = run(["approvals", "reject", str(store.request), "--comment", "Too low"])
    assert code == 0
    [row] = listing(capsys, "--decided")
    assert (row["status"], row["comment"]) == ("rejected", "Too low")
    # Nothing changed on the deal since, so asking again is refused.
    store.act_as(store.rep)
    assert run(["approvals", "request-again", str(store.request)]) == 1
    assert "has not changed since the rejection" in capsys.readouterr().err


def test_unknown_id_named(store, capsys):
    store.act_as(store.lead)
    assert run(["approvals", "approve", "nope-nope"]) == 1
    assert "approval request 'nope-nope' not found" in capsys.readouterr().err


def test_invalid_amount_named(store, capsys):
    store.act_as(store.lead)
    code = run(["approvals", "approve", str(store.request), "--amount", "12.345"])
    assert code == 1
    assert "invalid amount '12.345': CNY has 2 decimal places" in (
        capsys.readouterr().err
    )


def test_demo_acts_as_teaching_lead(tmp_path, capsys):
    folder = str(tmp_path / "demo")
    demo = ["demo", "--deals", "300", "--today", "2025-06-30", "--user", "li.na"]
    code = run(["--data-dir", folder, *demo])
    assert code == 0
    capsys.readouterr()
    assert run(["--data-dir", folder, "approvals", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows
    assert {row["approver"] for row in rows} == {"李娜"}
    assert {row["status"] for row in rows} >= {"pending", "approved"}


def test_demo_unknown_user_rejected(tmp_path, capsys):
    folder = str(tmp_path / "demo")
    code = run(["--data-dir", folder, "demo", "--deals", "10", "--user", "nobody"])
    assert code == 1
    assert "demo user 'nobody' not found" in capsys.readouterr().err


def test_table_ids_name_one_request_each(tmp_path, capsys):
    # The demo makes many requests in the same millisecond, so their UUIDv7 ids
    # share the first 13 characters; the table must show ids that approve takes.
    folder = str(tmp_path / "demo")
    demo = ["demo", "--deals", "300", "--today", "2025-06-30", "--user", "li.na"]
    assert run(["--data-dir", folder, *demo]) == 0
    capsys.readouterr()
    assert run(["--data-dir", folder, "approvals", "list", "--format", "json"]) == 0
    ids = [row["id"] for row in json.loads(capsys.readouterr().out)]
    assert run(["--data-dir", folder, "--language", "en", "approvals", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert [line.split()[0] for line in lines] == ids
