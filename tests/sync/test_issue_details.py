"""The structured fields of sync issues, from a real push to the local issue list.

The server adds the other login (``other_login``), whose value an edit on both
sides kept (``kept``) and the error code of a refusal (``sqlstate``) to each
issue. The laptop stores them with the issue, and ``list_open_issues`` adds the
names of the records that id values point to, so a user interface can explain
an issue without the server's English message.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from synckit import actor, edit_deal, new_deal

from crmdesk.domain.playbook import LocalText, OutcomeResult
from crmdesk.services.stages import OutcomeInput, move_opportunity
from crmdesk.storage.models import Customer
from crmdesk.sync.issues import list_open_issues, referenced_table


def test_conflict_names_other_login_stages_and_reason(server, make_client):
    server.add_user("ann", "rep", "north")
    ada_login = server.add_user("ada", "admin", "north")
    ann, ada = make_client("ann"), make_client("ada")
    pipeline = server.pipeline
    ann.sync()
    deal = new_deal(ann, "Contested", amount="10000")
    ann.sync()
    ada.sync()
    lost = pipeline.stage("sales", "lost")
    qualified = pipeline.stage("sales", "qualified")
    price = pipeline.reasons[("sales", "price")]
    with ann.sessions.begin() as session:  # offline: closed as lost
        move_opportunity(
            session, deal, lost, actor(ann), OutcomeInput(OutcomeResult.LOST, price)
        )
    edit_deal(ann, deal, amount=Decimal("12000"))
    with ada.sessions.begin() as session:  # online: moved on
        move_opportunity(session, deal, qualified, actor(ada))
    edit_deal(ada, deal, amount=Decimal("15000"))
    ada.sync()
    result = ann.sync()

    issues = [i for i in list_open_issues(ann.sessions) if i.id in result.issues]
    stage = [i for i in issues if i.field == "stage_id"]
    amount = [i for i in issues if i.field == "amount_minor"]
    outcome = [i for i in issues if i.table_name == "outcomes"]
    assert len(stage) == 1
    assert len(amount) == 1
    assert len(outcome) == 1
    assert stage[0].kind == "conflict"
    assert stage[0].other_login == ada_login
    # The server's users row has the login as its display name.
    assert stage[0].other_name == ada_login
    assert stage[0].references == {"stage_id": "stages"}
    assert uuid.UUID(stage[0].mine) == lost
    assert uuid.UUID(stage[0].theirs) == qualified
    assert stage[0].names[lost] == LocalText("Lost", "丢单")
    assert stage[0].names[qualified] == LocalText("Qualified", "已确认")
    assert stage[0].names[deal] == LocalText("Contested", "Contested")
    assert amount[0].kind == "conflict"
    assert amount[0].other_login == ada_login
    assert amount[0].references == {}
    assert amount[0].kept is None
    assert amount[0].sqlstate is None
    # new_deal makes CNY deals; the amount's currency is the local deal's.
    assert amount[0].currency == "CNY"
    # The outcome's own values carry its currency.
    assert outcome[0].currency == outcome[0].mine["currency"] == "CNY"
    assert outcome[0].kind == "group_rejected"
    assert outcome[0].mine["result"] == "lost"
    assert outcome[0].references["reason_id"] == "reasons"
    assert outcome[0].names[price] == LocalText("Price too high", "价格太高")


def test_also_edited_says_whose_value_was_kept(server, make_client):
    server.add_user("ann", "rep", "north")
    ada_login = server.add_user("ada", "admin", "north")
    ann, ada = make_client("ann"), make_client("ada")
    ann.sync()
    deal = new_deal(ann, "Shared notes")
    ann.sync()
    ada.sync()
    edit_deal(ann, deal, notes="ann, offline and earlier")
    edit_deal(ada, deal, notes="ada, online and later")
    ada.sync()
    result = ann.sync()

    issues = [i for i in list_open_issues(ann.sessions) if i.id in result.issues]
    assert [(i.kind, i.field) for i in issues] == [("also_edited", "notes")]
    assert issues[0].kept == "theirs"
    assert issues[0].other_login == ada_login
    assert ann.scalar("SELECT notes FROM opportunities") == "ada, online and later"


def test_deleted_names_who_deleted(server, make_client):
    from crmdesk.services.deals import NewCustomer, create_customer

    server.add_user("bob", "rep", "north")
    ada_login = server.add_user("ada", "admin", "north")
    bob, ada = make_client("bob"), make_client("ada")
    bob.sync()
    with bob.sessions.begin() as session:
        customer = create_customer(
            session, NewCustomer(name="Acme", team_id=server.teams["north"]), actor(bob)
        ).id
    bob.sync()
    ada.sync()
    with ada.sessions.begin() as session:
        session.get(Customer, customer).deleted_at = actor(ada).at
    ada.sync()
    with bob.sessions.begin() as session:
        session.get(Customer, customer).phone = "+86 10 5555 0101"
    result = bob.sync()

    issues = [i for i in list_open_issues(bob.sessions) if i.id in result.issues]
    assert [i.kind for i in issues] == ["deleted"]
    assert issues[0].other_login == ada_login
    assert issues[0].names[customer] == LocalText("Acme", "Acme")


def test_refusal_carries_its_sqlstate(server, make_client):
    server.add_user("ann", "rep", "north")
    server.add_user("sam", "rep", "south")
    ann, sam = make_client("ann"), make_client("sam")
    ann.sync()
    sam.sync()
    # Two reps of different teams import the same external record: the server's
    # unique key on (external_source, external_key) refuses the second.
    new_deal(ann, "Imported by ann", external_source="maven", external_key="OP-7")
    ann.sync()
    mine = new_deal(
        sam, "Imported by sam", external_source="maven", external_key="OP-7"
    )
    result = sam.sync()

    issues = [i for i in list_open_issues(sam.sessions) if i.id in result.issues]
    refused = [i for i in issues if i.row_id == mine]
    assert [i.kind for i in refused] == ["rejected"]
    assert refused[0].sqlstate == "23505"
    assert refused[0].mine["title"] == "Imported by sam"
    assert "duplicate key" in refused[0].message
    assert refused[0].other_login is None


def test_referenced_table_follows_foreign_keys():
    assert referenced_table("opportunities", "stage_id") == "stages"
    assert referenced_table("opportunities", "owner_id") == "users"
    assert referenced_table("opportunities", "customer_id") == "customers"
    assert referenced_table("opportunities", "product_id") == "products"
    assert referenced_table("opportunities", "series_id") == "series"
    assert referenced_table("outcomes", "reason_id") == "reasons"
    assert referenced_table("stage_history", "to_stage_id") == "stages"
    assert referenced_table("checklist_items", "action_id") == "checklist_actions"
    assert referenced_table("customers", "parent_id") == "customers"
    assert referenced_table("teams", "lead_id") == "users"
    assert referenced_table("opportunities", "notes") is None
    assert referenced_table("opportunities", "no_such_column") is None
    assert referenced_table("no_such_table", "stage_id") is None
