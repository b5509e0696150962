"""Hypothesis state machine: 2-5 laptops, one PostgreSQL, random work and syncs.

Each laptop is a real SQLite store driven by the real services (deals, stages)
and the real sync engine. Laptops 0 and 1 are two installations of one rep (so
edits of one deal are truly concurrent); with three or more laptops, laptop 2 is
the team lead and the rest are other reps of the team. Rules create deals, edit them,
tick checklist actions, move stages (won and lost included, and back out again,
which reopens), set win probabilities, soft-delete, reassign (the lead),
add and edit team leads, customers with a contact and contacts' phones, log
activities on a deal or on none, resolve sync issues, go offline and come
back, and sync. Leads, contacts and activities are made with the ORM models,
as their services do.

Checked after every sync: every change that left a laptop's queue is applied on
the server, or has a conflict record there and an issue on the laptop, or was
dropped with an issue because the row is no longer the user's. Checked at
quiescence (everyone online, synced until nothing moves): every laptop holds
exactly the rows its user may read on the server, at the server's versions and
values, and nothing is left queued.

Runtime is bounded: 10 examples of at most 40 steps each (about 50 s on 2
cores), each example on a fresh database.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from contextlib import ExitStack, suppress
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import sqlalchemy as sa
from helpers.postgres import fresh_database
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from synckit import Client, Server, actor

from crmdesk.domain.errors import CrmError
from crmdesk.domain.playbook import OutcomeResult
from crmdesk.services.deals import (
    NewOpportunity,
    OpportunityEdit,
    create_opportunity,
    update_opportunity,
)
from crmdesk.services.stages import (
    OutcomeInput,
    move_opportunity,
    set_checklist_action,
    set_manual_probability,
)
from crmdesk.storage.db import open_store
from crmdesk.storage.models import Activity, Contact, Customer, Lead, Opportunity
from crmdesk.sync.issues import list_open_issues, resolve_issue
from crmdesk.sync.server import admin

PG_URL: list[str] = []
STATS = {"examples": 0, "deals": 0, "issues": 0, "server_rows": 0}
STAGES = ("new", "qualified", "proposal", "won", "lost")
COMPARED = {
    "opportunities": (
        "stage_id",
        "amount_minor",
        "notes",
        "owner_id",
        "deleted_at",
        "manual_probability",
        "title",
    ),
    "outcomes": ("result", "reopened_at"),
    "stage_history": ("to_stage_id",),
    "probability_revisions": ("probability",),
    "checklist_items": ("done",),
    "stages": ("name_en",),
    "leads": ("status", "notes", "company", "deleted_at"),
    "customers": ("name",),
    "contacts": ("customer_id", "phone"),
    "activities": ("opportunity_id", "subject", "notes"),
}


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.stack = ExitStack()
        url = self.stack.enter_context(fresh_database(PG_URL[0]))
        self.folder = Path(tempfile.mkdtemp(prefix="crmdesk-sync-model-"))
        self.server = Server(url, admin.server_engine(url), url.rsplit("/", 1)[1])
        self.clients: list[Client] = []
        self.deals: list[uuid.UUID] = []
        try:
            admin.upgrade(self.server.engine, self.server.prefix)
            self.server.publish_playbook()
        except BaseException:
            self._clean_up()  # Hypothesis calls teardown only once __init__ returned
            raise

    @initialize(count=st.integers(min_value=2, max_value=5), deals=st.integers(1, 3))
    def laptops(self, count: int, deals: int) -> None:
        # Laptops 0 and 1 belong to the same rep (two installations, so truly
        # concurrent edits of one deal); u1 is the team lead.
        names = ["u0", "u0", "u1", "u2", "u3"][:count]
        for number, name in enumerate(names):
            if name not in self.server.users:
                self.server.add_user(name, "lead" if name == "u1" else "rep", "north")
            engine, sessions = open_store(self.folder / f"laptop{number}.sqlite3")
            login = f"{self.server.prefix}_{name}"
            path = self.folder / f"laptop{number}.sqlite3"
            self.clients.append(
                Client(name, login, self.server, path, engine, sessions)
            )
        for client in self.clients:
            client.sync()
        for client in self.clients:
            for _ in range(deals):
                self.create_deal(self.clients.index(client), 10)
            client.sync()
        for client in self.clients:
            client.sync()

    # Helpers ------------------------------------------------------------------

    def _client(self, index: int) -> Client:
        return self.clients[index % len(self.clients)]

    def _deal(self, index: int, client: Client | None = None) -> uuid.UUID:
        """Pick a deal, among those on ``client``'s laptop when it has any."""
        if client is not None:
            ids = [
                uuid.UUID(i)
                for (i,) in client.rows("SELECT id FROM opportunities ORDER BY id")
            ]
            if ids:
                return ids[index % len(ids)]
        return self.deals[index % len(self.deals)]

    def _act(self, client: Client, work) -> None:
        try:
            with client.sessions.begin() as session:
                work(session)
        except CrmError:
            pass  # refused by a rule or not visible to this user: nothing changed

    # Rules --------------------------------------------------------------------

    @rule(who=st.integers(0, 4), amount=st.integers(1, 500))
    def create_deal(self, who: int, amount: int) -> None:
        client = self._client(who)
        pipeline = self.server.pipeline

        def work(session):
            deal = create_opportunity(
                session,
                NewOpportunity(
                    series_id=pipeline.series["sales"],
                    title="Deal",
                    amount=Decimal(amount * 100),
                    currency="CNY",
                ),
                actor(client),
            )
            self.deals.append(deal.id)

        self._act(client, work)

    @precondition(lambda self: self.deals)
    @rule(
        who=st.integers(0, 4),
        which=st.integers(0, 50),
        notes=st.sampled_from(["call back", "sent offer", ""]),
        amount=st.none() | st.integers(1, 500),
    )
    def edit_deal(self, who, which, notes, amount) -> None:
        client = self._client(who)
        edit = OpportunityEdit(
            notes=notes, amount=None if amount is None else Decimal(amount * 100)
        )
        self._act(
            client,
            lambda s: update_opportunity(
                s, self._deal(which, client), edit, actor(client)
            ),
        )

    @precondition(lambda self: self.deals)
    @rule(who=st.integers(0, 4), which=st.integers(0, 50), done=st.booleans())
    def tick(self, who, which, done) -> None:
        client = self._client(who)
        action = self.server.pipeline.actions["call"]
        self._act(
            client,
            lambda s: set_checklist_action(
                s, self._deal(which, client), action, done, actor(client)
            ),
        )

    @precondition(lambda self: self.deals)
    @rule(
        who=st.integers(0, 4), which=st.integers(0, 50), stage=st.sampled_from(STAGES)
    )
    def move(self, who, which, stage) -> None:
        client = self._client(who)
        pipeline = self.server.pipeline
        outcome = None
        if stage == "won":
            outcome = OutcomeInput(
                OutcomeResult.WON,
                actual_amount=Decimal(100),
                actual_date=date(2026, 12, 1),
            )
        elif stage == "lost":
            outcome = OutcomeInput(
                OutcomeResult.LOST, reason_id=pipeline.reasons[("sales", "price")]
            )
        self._act(
            client,
            lambda s: move_opportunity(
                s,
                self._deal(which, client),
                pipeline.stage("sales", stage),
                actor(client),
                outcome,
            ),
        )

    @precondition(lambda self: self.deals)
    @rule(who=st.integers(0, 4), which=st.integers(0, 50), pct=st.integers(0, 100))
    def probability(self, who, which, pct) -> None:
        client = self._client(who)
        self._act(
            client,
            lambda s: set_manual_probability(
                s, self._deal(which, client), pct, actor(client), "model"
            ),
        )

    @precondition(lambda self: self.deals)
    @rule(who=st.integers(0, 4), which=st.integers(0, 50))
    def delete(self, who, which) -> None:
        client = self._client(who)

        def work(session):
            row = session.get(Opportunity, self._deal(which, client))
            if row is not None and row.deleted_at is None:
                row.deleted_at = datetime.now(UTC)

        self._act(client, work)

    @precondition(lambda self: self.deals and len(self.clients) >= 3)
    @rule(which=st.integers(0, 50), to=st.integers(0, 4))
    def reassign(self, which, to) -> None:
        lead = self.clients[2]
        owner = self.server.users[self._client(to).name]
        self._act(
            lead,
            lambda s: update_opportunity(
                s, self._deal(which, lead), OpportunityEdit(owner_id=owner), actor(lead)
            ),
        )

    # Team-shared rows and activities -------------------------------------------

    def _local_id(self, client: Client, table: str, index: int) -> uuid.UUID | None:
        ids = client.rows(f"SELECT id FROM {table} ORDER BY id")
        return uuid.UUID(ids[index % len(ids)][0]) if ids else None

    @rule(who=st.integers(0, 4), company=st.sampled_from(["Acme", "Bright", "Cedar"]))
    def add_lead(self, who, company) -> None:
        client = self._client(who)
        now = datetime.now(UTC)
        lead = Lead(
            team_id=self.server.teams["north"],
            owner_id=client.user_id,
            company=company,
            created_at=now,
            updated_at=now,
            created_by=client.user_id,
        )
        self._act(client, lambda session: session.add(lead))

    @rule(
        who=st.integers(0, 4),
        which=st.integers(0, 50),
        notes=st.sampled_from(["trial booked", "no answer", ""]),
        status=st.sampled_from(["new", "flagged", "discarded"]),
    )
    def edit_lead(self, who, which, notes, status) -> None:
        client = self._client(who)
        lead_id = self._local_id(client, "leads", which)
        if lead_id is None:
            return

        def work(session):
            row = session.get(Lead, lead_id)
            row.notes = notes
            row.status = status
            row.updated_at = datetime.now(UTC)

        self._act(client, work)

    @rule(who=st.integers(0, 4), name=st.sampled_from(["Wang Fang", "Li Lei"]))
    def add_customer_with_contact(self, who, name) -> None:
        client = self._client(who)
        team = self.server.teams["north"]

        def work(session):
            now = datetime.now(UTC)
            customer = Customer(
                name=f"{name} Ltd", team_id=team, created_at=now, updated_at=now
            )
            session.add(customer)
            session.flush()
            session.add(
                Contact(
                    customer_id=customer.id,
                    team_id=team,
                    name=name,
                    created_at=now,
                    updated_at=now,
                )
            )

        self._act(client, work)

    @rule(
        who=st.integers(0, 4),
        which=st.integers(0, 50),
        phone=st.sampled_from(["+8613800138000", "+8613900139000"]),
    )
    def edit_contact(self, who, which, phone) -> None:
        client = self._client(who)
        contact_id = self._local_id(client, "contacts", which)
        if contact_id is None:
            return

        def work(session):
            row = session.get(Contact, contact_id)
            row.phone = phone
            row.updated_at = datetime.now(UTC)

        self._act(client, work)

    @rule(
        who=st.integers(0, 4),
        which=st.integers(0, 50),
        on_deal=st.booleans(),
        subject=st.sampled_from(["call", "visit"]),
    )
    def log_activity(self, who, which, on_deal, subject) -> None:
        client = self._client(who)
        # Only a deal on this laptop: the local store checks foreign keys.
        deal = self._local_id(client, "opportunities", which) if on_deal else None
        now = datetime.now(UTC)
        activity = Activity(
            kind="call",
            opportunity_id=deal,
            team_id=self.server.teams["north"],
            owner_id=client.user_id,
            subject=subject,
            done_at=now,
            created_at=now,
            updated_at=now,
        )
        self._act(client, lambda session: session.add(activity))

    @rule(
        who=st.integers(0, 4),
        which=st.integers(0, 50),
        notes=st.sampled_from(["went well", "rescheduled"]),
    )
    def edit_activity(self, who, which, notes) -> None:
        client = self._client(who)
        activity_id = self._local_id(client, "activities", which)
        if activity_id is None:
            return

        def work(session):
            row = session.get(Activity, activity_id)
            row.notes = notes
            row.updated_at = datetime.now(UTC)

        self._act(client, work)

    @rule(who=st.integers(0, 4), pick=st.integers(0, 50), choice=st.integers(0, 3))
    def resolve(self, who, pick, choice) -> None:
        client = self._client(who)
        issues = list_open_issues(client.sessions)
        if not issues:
            return
        issue = issues[pick % len(issues)]
        with suppress(CrmError):  # the row left this laptop: only dismissing applies
            resolve_issue(
                client.sessions, issue.id, issue.actions[choice % len(issue.actions)]
            )

    @rule(who=st.integers(0, 4))
    def toggle_online(self, who) -> None:
        client = self._client(who)
        client.online = not client.online

    @rule(who=st.integers(0, 4))
    def sync(self, who) -> None:
        client = self._client(who)
        if client.online:
            self._sync_and_check(client)

    # Checks -------------------------------------------------------------------

    def _pending(self, client: Client) -> dict[str, tuple[str, str]]:
        rows = client.rows(
            "SELECT mutation_id, table_name, row_id FROM outbox "
            "WHERE status = 'pending'"
        )
        return {str(uuid.UUID(m)): (t, str(uuid.UUID(r))) for m, t, r in rows}

    def _sync_and_check(self, client: Client) -> None:
        before = self._pending(client)
        client.sync()
        after = self._pending(client)
        issue_rows = {
            (t, str(uuid.UUID(r)))
            for t, r in client.rows("SELECT table_name, row_id FROM sync_issues")
        }
        issue_mutations = {
            str(uuid.UUID(m))
            for (m,) in client.rows(
                "SELECT mutation_id FROM sync_issues WHERE mutation_id IS NOT NULL"
            )
        }
        with self.server.superuser() as connection:
            for mutation, row in before.items():
                if mutation in after:
                    continue
                status = connection.execute(
                    "SELECT result->>'status' FROM sync.applied_mutation "
                    "WHERE mutation_id = %s",
                    (mutation,),
                ).fetchone()
                if status is None:
                    assert row in issue_rows, f"{mutation} left the queue unaccounted"
                    continue
                if status[0] == "applied":
                    continue
                recorded = connection.execute(
                    "SELECT count(*) FROM sync.conflict WHERE mutation_id = %s",
                    (mutation,),
                ).fetchone()[0]
                assert recorded > 0, (mutation, status)
                assert mutation in issue_mutations, (mutation, status)

    @invariant()
    def outbox_sequence_rises(self) -> None:
        for client in self.clients:
            seqs = [
                s
                for (s,) in client.rows(
                    "SELECT seq FROM outbox WHERE status = 'pending' ORDER BY seq"
                )
            ]
            assert seqs == sorted(set(seqs))

    def teardown(self) -> None:
        try:
            if self.clients:
                self._quiesce_and_compare()
        finally:
            self._clean_up()

    def _clean_up(self) -> None:
        """Close the stores, drop the database and its roles, remove the files."""
        for client in self.clients:
            client.engine.dispose()
        self.server.engine.dispose()
        self.stack.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        groups = ("rep", "lead", "admin", "app", "owner")
        roles = [*self.server.logins, *(f"{self.server.prefix}_{g}" for g in groups)]
        drop = sa.create_engine(f"{PG_URL[0]}/postgres", isolation_level="AUTOCOMMIT")
        with drop.connect() as connection:
            for role in roles:
                connection.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        drop.dispose()

    def _quiesce_and_compare(self) -> None:
        STATS["examples"] += 1
        STATS["deals"] += len(self.deals)
        for client in self.clients:
            client.online = True
        for _round in range(3):
            for client in self.clients:
                self._sync_and_check(client)
        for client in self.clients:
            assert self._pending(client) == {}, client.name
            STATS["issues"] += len(client.rows("SELECT id FROM sync_issues"))
            with psycopg.connect(_libpq(self.server.url, client.login)) as connection:
                for table, columns in COMPARED.items():
                    names = ", ".join(("id", "row_version", *columns))
                    theirs = {
                        _norm(row)
                        for row in connection.execute(
                            f"SELECT {names} FROM {table}"
                        ).fetchall()
                    }
                    local_names = names.replace("row_version", "version")
                    mine = {
                        _norm(row)
                        for row in client.rows(f"SELECT {local_names} FROM {table}")
                    }
                    assert mine == theirs, (client.name, table, mine ^ theirs)


def _libpq(url: str, login: str) -> str:
    return f"postgresql://{login}@{url.split('@', 1)[1]}"


def _norm(row) -> tuple:
    """Make a server row and a SQLite row comparable (UUIDs, booleans, instants)."""
    return tuple(_plain(value) for value in row)


def _plain(value):
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, str) and len(value) == 32:
        with suppress(ValueError):
            return uuid.UUID(value).hex
    if (
        isinstance(value, str)
        and len(value) >= 19
        and value[4] == "-"
        and value[10] == " "
    ):
        return datetime.fromisoformat(value).isoformat(sep=" ")
    return value


def test_laptops_converge_and_lose_no_acknowledged_change(pg_server):
    PG_URL[:] = [pg_server]
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    print("model statistics:", STATS)
