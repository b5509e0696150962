"""Row-level security matrix: role x synced table x command x ownership.

Every case runs hand-written SQL on the user's own login, in a transaction that
is rolled back, and compares with the rules of SYNC.md ("Who sees what"), written
out here independently of the policy SQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import errors

from crmdesk.domain.ids import new_id

CONFIG = (
    "playbooks",
    "products",
    "teams",
    "customer_states",
    "users",
    "series",
    "reasons",
    "stages",
    "checklist_actions",
    "approval_types",
)
CHILDREN = ("stage_history", "probability_revisions", "checklist_items", "outcomes")
# Shared within a team. "activities@team" is an activity that belongs to no deal.
TEAM_SHARED = (
    "customers",
    "contacts",
    "leads",
    "customer_state_history",
    "activities@team",
)
# Rows of a deal added with the leads, activities and approvals.
DEAL_ROWS = ("activities@deal", "approvals", "approval_decisions")
ROLES = {"ann": "rep", "lee": "lead", "ada": "admin"}
OPS = ("select", "insert", "update", "delete")


def expected(role: str, table: str, op: str, target: str) -> bool:
    """May ``role`` run ``op`` on a row of ``table`` that is ``target`` to it?

    ``target`` is own (the user's deal, or their team's customer), team (a team
    mate's deal) or other (another team's).
    """
    if role == "admin":
        return True
    if table in CONFIG:
        return op == "select"
    if op == "delete":
        return False  # only admins delete; everyone else soft-deletes
    if table in TEAM_SHARED:
        return target in ("own", "team")
    if table == "opportunities":
        if target == "own":
            return True
        return role == "lead" and target == "team"
    lead_of_team = role == "lead" and target == "team"
    if table == "approvals":
        # The owner opens requests. The team lead reads and decides them, and
        # opens new ones for those that a corrected amount invalidated.
        return target == "own" or lead_of_team
    if table == "approval_decisions":
        # Append-only: the owner records invalidations, the lead decisions.
        if op == "update":
            return False
        return target == "own" or lead_of_team
    # Other child rows follow their deal: the owner writes, the lead reads the
    # team's and may record win-probability revisions.
    if target == "own":
        return True
    if lead_of_team:
        return op == "select" or table == "probability_revisions"
    return False


@pytest.fixture
def world(server):
    """Users in two teams, and a deal with child rows for each rep and the lead."""
    for name, role in ROLES.items():
        server.add_user(name, role, "north")
    server.add_user("bob", "rep", "north")
    server.add_user("cid", "rep", "south")
    pipeline = server.pipeline
    now = datetime.now(UTC).replace(tzinfo=None)
    ids: dict[str, dict[str, uuid.UUID]] = {}
    with server.superuser() as connection:
        connection.execute(
            "INSERT INTO products (id, name, family, currency, version) "
            "VALUES (%s, 'Licence', '', 'CNY', 0)",
            (new_id(),),
        )
        connection.execute(
            "INSERT INTO approval_types (id, stage_id, key, name_en, name_zh, "
            "blocks_promotion, position, version) "
            "VALUES (%s, %s, 'price', 'Price', '价格', true, 0, 0)",
            (APPROVAL_TYPE, pipeline.stage("sales", "qualified")),
        )
        for owner in ("ann", "bob", "cid", "lee"):
            team = server.teams["south" if owner == "cid" else "north"]
            row: dict[str, uuid.UUID] = {
                "customers": new_id(),
                "opportunities": new_id(),
            }
            connection.execute(
                "INSERT INTO customers (id, name, team_id, sector, country, phone, "
                "email, notes, created_at, updated_at, version) "
                "VALUES (%s, %s, %s, '', '', '', '', '', %s, %s, 0)",
                (row["customers"], f"{owner} customer", team, now, now),
            )
            connection.execute(
                "INSERT INTO opportunities (id, series_id, stage_id, owner_id, "
                "team_id, title, currency, notes, stage_entered_at, created_at, "
                "updated_at, version) "
                "VALUES (%s, %s, %s, %s, %s, %s, 'CNY', '', %s, %s, %s, 0)",
                (
                    row["opportunities"],
                    pipeline.series["sales"],
                    pipeline.stage("sales", "new"),
                    server.users[owner],
                    team,
                    f"{owner} deal",
                    now,
                    now,
                    now,
                ),
            )
            for table in CHILDREN:
                row[table] = new_id()
                connection.execute(*_insert_sql(table, row[table], row, pipeline, now))
            for key in (*TEAM_SHARED[1:], *DEAL_ROWS):
                row[key] = new_id()
                connection.execute(
                    *_insert_sql(
                        key,
                        row[key],
                        row,
                        pipeline,
                        now,
                        team=team,
                        owner=server.users[owner],
                    )
                )
            ids[owner] = row
        connection.commit()
    return server, ids


APPROVAL_TYPE = new_id()


def _insert_sql(table, row_id, parent, pipeline, now, team=None, owner=None):
    opp = parent["opportunities"]
    if table == "contacts":
        return (
            "INSERT INTO contacts (id, customer_id, team_id, name, job_title, phone, "
            "email, is_primary, notes, created_at, updated_at, version) "
            "VALUES (%s, %s, %s, 'Wang Fang', '', '', '', true, '', %s, %s, 0)",
            (row_id, parent["customers"], team, now, now),
        )
    if table == "leads":
        return (
            "INSERT INTO leads (id, team_id, owner_id, company, person, job_title, "
            "phone, phone_raw, email, source, campaign, notes, status, flag_reason, "
            "created_at, updated_at, version) VALUES (%s, %s, %s, 'Acme', 'Li Lei', "
            "'', '', '', '', '', '', '', 'new', '', %s, %s, 0)",
            (row_id, team, owner, now, now),
        )
    if table == "customer_state_history":
        state = "SELECT id FROM customer_states WHERE key = 'lead'"
        return (
            "INSERT INTO customer_state_history (id, customer_id, team_id, "
            f"to_state_id, note, changed_at, version) VALUES (%s, %s, %s, ({state}), "
            "'', %s, 0)",
            (row_id, parent["customers"], team, now),
        )
    if table.startswith("activities@"):
        on_deal = opp if table == "activities@deal" else None
        return (
            "INSERT INTO activities (id, kind, customer_id, opportunity_id, team_id, "
            "owner_id, subject, notes, result, created_at, updated_at, version) "
            "VALUES (%s, 'call', %s, %s, %s, %s, 'Call', '', '', %s, %s, 0)",
            (row_id, parent["customers"], on_deal, team, owner, now, now),
        )
    if table == "approvals":
        return (
            "INSERT INTO approvals (id, opportunity_id, approval_type_id, stage_id, "
            "status, amount_minor, currency, comment, requested_at, version) "
            "VALUES (%s, %s, %s, %s, 'pending', 100000, 'CNY', '', %s, 0)",
            (row_id, opp, APPROVAL_TYPE, pipeline.stage("sales", "qualified"), now),
        )
    if table == "approval_decisions":
        return (
            "INSERT INTO approval_decisions (id, approval_id, opportunity_id, "
            "decision, comment, amount_minor, currency, decided_at, version) "
            "VALUES (%s, %s, %s, 'invalidated', '', 100000, 'CNY', %s, 0)",
            (row_id, parent["approvals"], opp, now),
        )
    if table == "stage_history":
        return (
            "INSERT INTO stage_history (id, opportunity_id, to_stage_id, changed_at, "
            "currency, probability, source, version) "
            "VALUES (%s, %s, %s, %s, 'CNY', 10, '', 0)",
            (row_id, opp, pipeline.stage("sales", "new"), now),
        )
    if table == "probability_revisions":
        return (
            "INSERT INTO probability_revisions (id, opportunity_id, probability, "
            "reason, changed_at, version) VALUES (%s, %s, 20, '', %s, 0)",
            (row_id, opp, now),
        )
    if table == "checklist_items":
        return (
            "INSERT INTO checklist_items (id, opportunity_id, action_id, done, "
            "changed_at, version) VALUES (%s, %s, %s, true, %s, 0)",
            (row_id, opp, pipeline.actions["brochure" if team else "call"], now),
        )
    if table == "outcomes":
        return (
            "INSERT INTO outcomes (id, opportunity_id, result, note, currency, "
            "recorded_at, version) VALUES (%s, %s, 'lost', '', 'CNY', %s, 0)",
            (row_id, opp, now),
        )
    if table == "customers":
        return (
            "INSERT INTO customers (id, name, team_id, sector, country, phone, "
            "email, notes, created_at, updated_at, version) "
            "VALUES (%s, 'new', %s, '', '', '', '', '', %s, %s, 0)",
            (row_id, team, now, now),
        )
    if table == "opportunities":
        return (
            "INSERT INTO opportunities (id, series_id, stage_id, owner_id, team_id, "
            "title, currency, notes, stage_entered_at, created_at, updated_at, "
            "version) VALUES (%s, %s, %s, %s, %s, 'new', 'CNY', '', %s, %s, %s, 0)",
            (
                row_id,
                pipeline.series["sales"],
                pipeline.stage("sales", "new"),
                owner,
                team,
                now,
                now,
                now,
            ),
        )
    raise AssertionError(table)


UPDATES = {
    "customers": "notes = notes || 'x'",
    "opportunities": "manual_probability = coalesce(manual_probability, 0) + 1",
    "stage_history": "source = source || 'x'",
    "probability_revisions": "reason = reason || 'x'",
    "checklist_items": "done = NOT done",
    "outcomes": "note = note || 'x'",
    "contacts": "notes = notes || 'x'",
    "leads": "notes = notes || 'x'",
    "customer_state_history": "note = note || 'x'",
    "activities@team": "notes = notes || 'x'",
    "activities@deal": "notes = notes || 'x'",
    # A column both the owner (invalidating) and the team lead may change.
    "approvals": "status = 'invalidated'",
    "approval_decisions": "comment = comment || 'x'",
}
CONFIG_UPDATES = {
    "playbooks": "name_en",
    "products": "name",
    "teams": "name",
    "customer_states": "name_en",
    "users": "display_name",
    "series": "name_en",
    "reasons": "name_en",
    "stages": "name_en",
    "checklist_actions": "name_en",
    "approval_types": "name_en",
}


def _attempt(connection: psycopg.Connection, sql: str, params=()) -> bool:
    """Run ``sql`` in a rolled-back transaction; True when a row was affected."""
    try:
        with connection.transaction(force_rollback=True):
            cursor = connection.execute(sql, params)
            if sql.lstrip().startswith("SELECT"):
                return cursor.fetchone()[0] == 1
            return cursor.rowcount == 1
    except errors.InsufficientPrivilege:
        return False
    except errors.ForeignKeyViolation:
        return True  # the policy let the command reach the row; a child refers to it


def _config_target(server, table: str) -> uuid.UUID:
    return server.scalar(f"SELECT id FROM {table} ORDER BY id LIMIT 1")


def _config_insert(table: str):
    if table != "products":
        return None
    return (
        "INSERT INTO products (id, name, family, currency, version) "
        "VALUES (%s, 'new product', '', 'CNY', 0)",
        (new_id(),),
    )


@pytest.mark.parametrize("name", sorted(ROLES))
def test_each_role_sees_and_changes_exactly_what_it_may(world, name):
    server, ids = world
    role = ROLES[name]
    pipeline = server.pipeline
    now = datetime.now(UTC).replace(tzinfo=None)
    owners = {"own": name if name in ids else "ann", "team": "bob", "other": "cid"}
    mismatches = []
    with server.connect(f"{server.prefix}_{name}") as connection:
        connection.autocommit = True
        for table in CONFIG:
            row_id = _config_target(server, table)
            column = CONFIG_UPDATES[table]
            checks = {
                "select": (f"SELECT count(*) FROM {table} WHERE id = %s", (row_id,)),
                "update": (
                    f"UPDATE {table} SET {column} = {column} || 'x' WHERE id = %s",
                    (row_id,),
                ),
                "delete": (f"DELETE FROM {table} WHERE id = %s", (row_id,)),
            }
            insert = _config_insert(table)
            if insert:
                checks["insert"] = insert
            for op, (sql, params) in checks.items():
                allowed = _attempt(connection, sql, params)
                if allowed != expected(role, table, op, "own"):
                    mismatches.append((table, op, "config", allowed))
        for target, owner in owners.items():
            parent = ids[owner]
            team = server.teams["south" if owner == "cid" else "north"]
            for key in (*TEAM_SHARED, "opportunities", *CHILDREN, *DEAL_ROWS):
                row_id = parent[key]
                table = key.split("@")[0]
                checks = {
                    "select": (
                        f"SELECT count(*) FROM {table} WHERE id = %s",
                        (row_id,),
                    ),
                    "update": (
                        f"UPDATE {table} SET {UPDATES[key]} WHERE id = %s",
                        (row_id,),
                    ),
                    "delete": (f"DELETE FROM {table} WHERE id = %s", (row_id,)),
                    "insert": _insert_sql(
                        key,
                        new_id(),
                        parent,
                        pipeline,
                        now,
                        team=team,
                        owner=server.users[owner],
                    ),
                }
                for op, (sql, params) in checks.items():
                    allowed = _attempt(connection, sql, params)
                    want = expected(role, key, op, target)
                    if allowed != want:
                        mismatches.append((key, op, target, allowed))
    assert mismatches == []


def test_a_rep_cannot_reach_another_teams_deals_by_hand(world):
    server, ids = world
    other = ids["cid"]["opportunities"]
    mine = ids["ann"]["opportunities"]
    with server.connect(f"{server.prefix}_ann") as connection:
        connection.autocommit = True
        assert (
            connection.execute("SELECT count(*) FROM opportunities").fetchone()[0] == 1
        )
        assert (
            connection.execute(
                "UPDATE opportunities SET title = 'mine now' WHERE id = %s", (other,)
            ).rowcount
            == 0
        )
        # Giving one's own deal away to another team's rep fails the check.
        with pytest.raises(errors.InsufficientPrivilege):
            connection.execute(
                "UPDATE opportunities SET owner_id = %s WHERE id = %s",
                (server.users["cid"], mine),
            )
        # A session setting cannot pose as someone else: identity is the login.
        connection.execute("SELECT set_config('crmdesk.client_id', 'x', false)")
        connection.execute(
            "SELECT set_config('app.user_id', %s, false)", (str(server.users["cid"]),)
        )
        assert (
            connection.execute("SELECT count(*) FROM opportunities").fetchone()[0] == 1
        )
        # Markers of other buckets stay hidden, and nobody writes markers by hand.
        buckets = {
            r[0] for r in connection.execute("SELECT DISTINCT bucket FROM sync.marker")
        }
        assert buckets <= {
            "config",
            f"team:{server.teams['north']}",
            f"rep:{server.users['ann']}",
        }
        with pytest.raises(errors.InsufficientPrivilege):
            connection.execute("DELETE FROM sync.marker")
    assert (
        server.scalar("SELECT title FROM opportunities WHERE id = :i", i=other)
        == "cid deal"
    )


def test_a_lead_adjusts_win_rates_but_not_other_fields_of_team_deals(world):
    server, ids = world
    deal = ids["ann"]["opportunities"]
    # A second deal of Ann's without any approval request.
    plain = new_id()
    with server.superuser() as connection:
        connection.execute(
            *_insert_sql(
                "opportunities",
                plain,
                {"opportunities": plain},
                server.pipeline,
                datetime.now(UTC).replace(tzinfo=None),
                team=server.teams["north"],
                owner=server.users["ann"],
            )
        )
    with server.connect(f"{server.prefix}_lee") as connection:
        connection.autocommit = True
        assert (
            connection.execute(
                "UPDATE opportunities SET manual_probability = 55 WHERE id = %s",
                (deal,),
            ).rowcount
            == 1
        )
        # The amount, as a correction, only on a deal with an approval request.
        assert (
            connection.execute(
                "UPDATE opportunities SET amount_minor = 90000 WHERE id = %s", (deal,)
            ).rowcount
            == 1
        )
        with pytest.raises(errors.InsufficientPrivilege):
            connection.execute(
                "UPDATE opportunities SET amount_minor = 1 WHERE id = %s", (plain,)
            )
        for column, value in (("title", "'renamed'"), ("notes", "'lead notes'")):
            with pytest.raises(errors.InsufficientPrivilege):
                connection.execute(
                    f"UPDATE opportunities SET {column} = {value} WHERE id = %s",
                    (deal,),
                )
    assert (
        server.scalar("SELECT amount_minor FROM opportunities WHERE id = :i", i=deal)
        == 90000
    )


def test_approval_decided_only_by_team_lead(world):
    server, ids = world
    approval = ids["ann"]["approvals"]
    deal = ids["ann"]["opportunities"]
    now = datetime.now(UTC).replace(tzinfo=None)

    def attempt(name: str, sql: str, params=()) -> bool:
        with server.connect(f"{server.prefix}_{name}") as connection:
            connection.autocommit = True
            return _attempt(connection, sql, params)

    approve = (
        "UPDATE approvals SET status = 'approved', approved_amount_minor = 100000, "
        "comment = 'ok', decided_at = now() WHERE id = %s",
        (approval,),
    )
    decision = (
        "INSERT INTO approval_decisions (id, approval_id, opportunity_id, decision, "
        "comment, amount_minor, currency, decided_at, version) "
        "VALUES (gen_random_uuid(), %s, %s, 'approved', '', 100000, 'CNY', %s, 0)",
        (approval, deal, now),
    )
    approved_request = (
        "INSERT INTO approvals (id, opportunity_id, approval_type_id, stage_id, "
        "status, amount_minor, currency, approved_amount_minor, comment, "
        "requested_at, version) VALUES (gen_random_uuid(), %s, %s, %s, 'approved', "
        "100000, 'CNY', 100000, '', %s, 0)",
        (deal, APPROVAL_TYPE, server.pipeline.stage("sales", "qualified"), now),
    )
    # The owner may not approve, record an approval or open an approved request.
    assert attempt("ann", *approve) is False
    assert attempt("ann", *decision) is False
    assert attempt("ann", *approved_request) is False
    assert (
        attempt(
            "ann",
            "UPDATE approvals SET approved_amount_minor = 1 WHERE id = %s",
            (approval,),
        )
        is False
    )
    # The owner may change the requested amount and mark the request invalidated.
    assert (
        attempt(
            "ann",
            "UPDATE approvals SET amount_minor = 120000 WHERE id = %s",
            (approval,),
        )
        is True
    )
    # A team mate and another team's lead may not decide it.
    assert attempt("bob", *approve) is False
    server.add_user("sue", "lead", "south")
    assert attempt("sue", *approve) is False
    assert attempt("sue", *decision) is False
    # The team lead decides, and moves a pending request's amount with a
    # corrected deal amount, but may not rewrite a decided request.
    assert attempt("lee", *approve) is True
    assert attempt("lee", *decision) is True
    assert (
        attempt(
            "lee", "UPDATE approvals SET amount_minor = 1 WHERE id = %s", (approval,)
        )
        is True
    )
    with server.connect(f"{server.prefix}_lee") as connection:
        connection.autocommit = True
        with (
            pytest.raises(errors.InsufficientPrivilege),
            connection.transaction(force_rollback=True),
        ):
            connection.execute(*approve)
            connection.execute(
                "UPDATE approvals SET amount_minor = 1 WHERE id = %s", (approval,)
            )
    assert attempt("lee", *approved_request) is False
    # Decisions are append-only for everyone but admins.
    existing = ids["ann"]["approval_decisions"]
    for name in ("ann", "lee"):
        assert (
            attempt(
                name,
                "UPDATE approval_decisions SET decision = 'approved' WHERE id = %s",
                (existing,),
            )
            is False
        )


def test_other_team_rep_cannot_reach_leads(world):
    server, ids = world
    lead = ids["ann"]["leads"]
    contact = ids["ann"]["contacts"]
    north = server.teams["north"]
    with server.connect(f"{server.prefix}_cid") as connection:
        connection.autocommit = True
        # Cid (south) sees only south's leads, contacts and team activities.
        assert connection.execute("SELECT count(*) FROM leads").fetchone()[0] == 1
        assert connection.execute(
            "SELECT count(*) FROM leads WHERE team_id = %s", (north,)
        ).fetchone() == (0,)
        assert connection.execute(
            "SELECT count(*) FROM contacts WHERE team_id = %s", (north,)
        ).fetchone() == (0,)
        assert connection.execute(
            "SELECT count(*) FROM activities WHERE team_id = %s", (north,)
        ).fetchone() == (0,)
        for sql in (
            "UPDATE leads SET notes = 'mine' WHERE id = %s",
            "UPDATE leads SET team_id = NULL WHERE id = %s",
            "UPDATE contacts SET phone = '+8613800138000' WHERE id = %s",
        ):
            target = contact if "contacts" in sql else lead
            assert connection.execute(sql, (target,)).rowcount == 0
        # Nor may Cid file a lead under north, or move a south lead there.
        with pytest.raises(errors.InsufficientPrivilege):
            connection.execute(
                *_insert_sql(
                    "leads",
                    new_id(),
                    {"opportunities": None},
                    server.pipeline,
                    datetime.now(UTC).replace(tzinfo=None),
                    team=north,
                    owner=server.users["cid"],
                )
            )
        with pytest.raises(errors.InsufficientPrivilege):
            connection.execute(
                "UPDATE leads SET team_id = %s WHERE id = %s",
                (north, ids["cid"]["leads"]),
            )
        # The north team's bucket yields nothing to Cid.
        rows = connection.execute(
            "SELECT count(*) FROM sync.pull(%s, '0'::xid8, 0, 100) WHERE kind = 'row'",
            (f"team:{north}",),
        ).fetchone()
        assert rows == (0,)
    assert server.scalar("SELECT notes FROM leads WHERE id = :i", i=lead) == ""


def test_tables_are_owned_by_the_owner_role_and_rls_is_forced(server):
    rows = (
        server.engine.connect()
        .exec_driver_sql(
            "SELECT c.relname, pg_get_userbyid(c.relowner), c.relrowsecurity, "
            "c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' "
            "AND c.relname NOT IN ('alembic_version', 'workspace_settings')"
        )
        .all()
    )
    assert len(rows) == 22
    for name, owner, enabled, forced in rows:
        assert (owner, enabled, forced) == (f"{server.prefix}_owner", True, True), name
    policies = server.scalar(
        "SELECT count(DISTINCT (tablename, cmd)) FROM pg_policies "
        "WHERE schemaname = 'public'"
    )
    assert policies == 22 * 4


def test_a_rep_cannot_move_a_deal_to_another_team(world):
    server, ids = world
    with server.connect(f"{server.prefix}_ann") as connection:
        connection.autocommit = True
        with pytest.raises(errors.InsufficientPrivilege):
            connection.execute(
                "UPDATE opportunities SET team_id = %s WHERE id = %s",
                (server.teams["south"], ids["ann"]["opportunities"]),
            )


def test_only_admins_purge_tombstones_or_start_a_generation(world):
    server, _ids = world
    for name, allowed in (("ann", False), ("lee", False), ("ada", True)):
        with server.connect(f"{server.prefix}_{name}") as connection:
            for sql in (
                "SELECT sync.purge_tombstones(now())",
                "SELECT sync.new_generation()",
            ):
                try:
                    with connection.transaction(force_rollback=True):
                        connection.execute(sql)
                    done = True
                except errors.InsufficientPrivilege:
                    done = False
                assert done is allowed, (name, sql)


def test_nobody_learns_a_deals_owner_through_the_bucket_helper(world):
    server, ids = world
    login = f"{server.prefix}_ann"
    with (
        server.connect(login) as connection,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        connection.execute(
            "SELECT sync.buckets_for('stage_history', "
            "jsonb_build_object('opportunity_id', %s::text))",
            (ids["cid"]["opportunities"],),
        )
