"""``crmdesk customers list|state|history`` and the customer line of ``move``.

The store has the test playbook of tests/helpers/pipeline.py: states Lead and
Customer, series ``strict`` (Open -> Offer -> Won / Lost, no reopening) and
``sales`` (reopening allowed), both with the end state Customer.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from helpers import pipeline
from helpers.customers import insert_stateless_customer
from sqlalchemy import select

from crmdesk.cli import run
from crmdesk.config.paths import resolve_paths
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import (
    NewCustomer,
    NewOpportunity,
    create_customer,
    create_opportunity,
)
from crmdesk.services.workspace import ensure_user
from crmdesk.storage.db import open_store
from crmdesk.storage.models import (
    Contact,
    Customer,
    CustomerState,
    CustomerStateChange,
    User,
)


class Store:
    """The default (test-isolated) store with the test playbook and customers."""

    def __init__(self) -> None:
        paths = resolve_paths()
        paths.ensure()
        self.engine, self.sessions = open_store(paths.database)
        with self.sessions.begin() as session:
            self.ids = pipeline.install(session)
            self.user = ensure_user(session, "wang", "Wang Fang").id
            self.states = {
                row.key: row.id for row in session.scalars(select(CustomerState))
            }

    def customer(
        self, name: str, state: str | None, *, created: datetime | None = None
    ) -> uuid.UUID:
        """Create a customer owned by Wang Fang, by default a minute ago.

        A customer in ``state`` comes from ``create_customer`` with its creation
        history row; with ``state`` None it is stored without a state, as sync
        can deliver one.
        """
        at = created or datetime.now(UTC) - timedelta(minutes=1)
        with self.sessions.begin() as session:
            if state is None:
                owner = session.get(User, self.user)
                assert owner is not None
                row = insert_stateless_customer(
                    session, name, at, team_id=owner.team_id, owner_id=owner.id
                )
            else:
                row = create_customer(
                    session,
                    NewCustomer(name, owner_id=self.user, state_id=self.states[state]),
                    Actor(self.user, ChangeSource.FORM, at=at),
                )
            return row.id

    def deal(
        self,
        customer_id: uuid.UUID,
        title: str,
        series: str = "strict",
        stage: str | None = None,
    ) -> uuid.UUID:
        with self.sessions.begin() as session:
            deal = create_opportunity(
                session,
                NewOpportunity(
                    series_id=self.ids.series[series],
                    stage_id=None if stage is None else self.ids.stage(series, stage),
                    title=title,
                    customer_id=customer_id,
                    amount=Decimal("800"),
                    external_key=title,
                ),
                Actor(None, ChangeSource.FORM),
            )
            return deal.id


@pytest.fixture
def store():
    built = Store()
    yield built
    built.engine.dispose()


def output_json(capsys, argv: list[str]):
    capsys.readouterr()
    assert run(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_list_json_shows_state_and_counts(store, capsys):
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    acme = store.customer("Acme", "lead", created=ten_days_ago)
    store.deal(acme, "acme-1")
    store.deal(acme, "acme-2")
    with store.sessions.begin() as session:
        session.add(
            Contact(
                customer_id=acme,
                name="Zhao Lei",
                is_primary=True,
                created_at=ten_days_ago,
                updated_at=ten_days_ago,
            )
        )
    store.customer("Blank", None)
    rows = output_json(capsys, ["customers", "list", "--format", "json"])
    by_name = {row["name"]: row for row in rows}
    assert set(by_name) == {"Acme", "Blank"}
    row = by_name["Acme"]
    assert row["id"] == str(acme)
    assert row["state"] == "Lead"
    assert row["state_key"] == "lead"
    assert row["owner"] == "Wang Fang"
    assert row["contact"] == "Zhao Lei"
    assert row["open_deals"] == 2
    assert row["days_in_state"] == 10
    assert by_name["Blank"]["state"] is None
    assert by_name["Blank"]["open_deals"] == 0


def test_list_filters_by_state_and_search(store, capsys):
    store.customer("Acme", "lead")
    store.customer("Bolt", "customer")
    rows = output_json(
        capsys, ["customers", "list", "--state", "customer", "--format", "json"]
    )
    assert [row["name"] for row in rows] == ["Bolt"]
    rows = output_json(
        capsys, ["customers", "list", "--search", "acm", "--format", "json"]
    )
    assert [row["name"] for row in rows] == ["Acme"]


def test_list_table_has_headers(store, capsys):
    store.customer("Acme", "lead")
    capsys.readouterr()
    assert run(["--language", "zh_CN", "customers", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "id",
        "name",
        "state",
        "owner",
        "contact",
        "open_deals",
        "in_state_since",
        "days_in_state",
    ]
    assert "线索" in lines[1]


def test_state_changes_and_history(store, capsys):
    acme = store.customer("Acme", "lead")
    capsys.readouterr()
    assert run(["customers", "state", "acme", "customer", "--note", "signed"]) == 0
    out = capsys.readouterr().out
    assert "Customer 'Acme' is now in state customer (Customer / 客户)." in out
    with store.sessions() as session:
        rows = list(
            session.scalars(
                select(CustomerStateChange).order_by(CustomerStateChange.changed_at)
            )
        )
        customer = session.get(Customer, acme)
        assert customer is not None
        assert customer.state_id == store.states["customer"]
    assert [(row.from_state_id, row.to_state_id) for row in rows] == [
        (None, store.states["lead"]),
        (store.states["lead"], store.states["customer"]),
    ]
    assert [row.note for row in rows] == ["", "signed"]
    history = output_json(
        capsys, ["customers", "history", str(acme), "--format", "json"]
    )
    assert [(line["from"], line["to"], line["note"]) for line in history] == [
        (None, "Lead", ""),
        ("Lead", "Customer", "signed"),
    ]


def test_state_back_without_note_fails(store, capsys):
    store.customer("Acme", "customer")
    capsys.readouterr()
    assert run(["customers", "state", "Acme", "lead"]) == 1
    error = capsys.readouterr().err
    assert "needs a note" in error
    assert "'Acme'" in error


def test_unknown_state_lists_keys(store, capsys):
    store.customer("Acme", "lead")
    capsys.readouterr()
    assert run(["customers", "state", "Acme", "member"]) == 1
    error = capsys.readouterr().err
    assert "no customer state 'member': use one of lead, customer" in error


def test_unknown_customer_says_what_to_pass(store, capsys):
    assert run(["customers", "history", "Nobody"]) == 1
    error = capsys.readouterr().err
    assert "customer 'Nobody' not found" in error


def test_move_won_prints_customer_line(store, capsys):
    acme = store.customer("Acme", "lead")
    # The sales series allows reopening; from Proposal the win is no skip.
    store.deal(acme, "acme-1", series="sales", stage="proposal")
    capsys.readouterr()
    today = date.today().isoformat()
    assert run(["move", "acme-1", "won", "--amount", "800", "--date", today]) == 0
    out = capsys.readouterr().out
    assert "Customer 'Acme' moved to state Customer / 客户." in out
    assert run(["move", "acme-1", "proposal", "--reopen"]) == 0
    out = capsys.readouterr().out
    assert "stays in state Customer / 客户" in out
    assert "does not move the customer back" in out
    history = output_json(capsys, ["customers", "history", "Acme", "--format", "json"])
    assert [(line["from"], line["to"], line["deal"]) for line in history] == [
        (None, "Lead", ""),
        ("Lead", "Customer", "acme-1"),
    ]
