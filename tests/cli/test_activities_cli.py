"""``crmdesk activities log|plan|done|reschedule|cancel|list``.

The store has the playbook of tests/helpers/activity_data.py: a deal in
Qualified has the call actions "First call" and "Follow-up call".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from helpers.activity_data import install_activity_playbook, make_customer, make_deal
from sqlalchemy import select

from crmdesk.cli import run
from crmdesk.config.paths import resolve_paths
from crmdesk.services.workspace import set_business_time_zone
from crmdesk.storage.db import open_store
from crmdesk.storage.models import Activity, ChecklistItem, Customer


@pytest.fixture
def store():
    paths = resolve_paths()
    paths.ensure()
    engine, sessions = open_store(paths.database)
    with sessions.begin() as session:
        set_business_time_zone(session, "Asia/Shanghai")
        pipeline = install_activity_playbook(session)
        customer_id = make_customer(session, "Sunny School")
        deal_id = make_deal(session, pipeline, customer_id=customer_id)
    yield sessions, pipeline, customer_id, deal_id
    engine.dispose()


def json_of(capsys) -> object:
    return json.loads(capsys.readouterr().out)


def test_log_ticks_action(store, capsys):
    sessions, pipeline, _customer_id, deal_id = store
    status = run(
        [
            "activities",
            "log",
            "--deal",
            str(deal_id),
            "call",
            "--at",
            "2026-03-02 10:00",
            "--duration",
            "15",
            "--result",
            "Interested",
            "--format",
            "json",
        ]
    )
    assert status == 0
    row = json_of(capsys)
    assert row["kind"] == "call"
    assert row["state"] == "done"
    assert row["done"] == "2026-03-02 10:00"
    assert row["minutes"] == 15
    assert row["customer"] == "Sunny School"
    assert row["checklist_action"] == "First call"
    with sessions() as session:
        activity = session.scalars(select(Activity)).one()
        # 10:00 in Shanghai is 02:00 UTC.
        assert activity.done_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
        items = session.scalars(select(ChecklistItem)).all()
        assert [(item.action_id, item.done) for item in items] == [
            (pipeline.actions["call"], True)
        ]


def test_log_unknown_kind_fails(store, capsys):
    _sessions, _pipeline, _customer_id, deal_id = store
    status = run(["activities", "log", "--deal", str(deal_id), "phone"])
    assert status == 1
    error = capsys.readouterr().err
    assert "unknown activity kind 'phone'" in error
    assert "call, visit" in error


def test_log_future_time_fails(store, capsys):
    _sessions, _pipeline, _customer_id, deal_id = store
    later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    status = run(["activities", "log", "--deal", str(deal_id), "call", "--at", later])
    assert status == 1
    assert "in the future" in capsys.readouterr().err


def test_bad_time_text_fails(store, capsys):
    _sessions, _pipeline, _customer_id, deal_id = store
    status = run(
        ["activities", "plan", "--deal", str(deal_id), "call", "--due", "5.12.2026"]
    )
    assert status == 1
    assert "invalid date '5.12.2026'" in capsys.readouterr().err


def test_year_one_time_fails_with_message(store, capsys):
    # 0001-01-01 00:00 in Shanghai (UTC+8) is before the first UTC instant.
    _sessions, _pipeline, _customer_id, deal_id = store
    status = run(
        [
            "activities",
            "log",
            "--deal",
            str(deal_id),
            "call",
            "--at",
            "0001-01-01 00:00",
        ]
    )
    assert status == 1
    assert "invalid time '0001-01-01 00:00'" in capsys.readouterr().err


def test_due_time_with_utc_offset_fails(store, capsys):
    _sessions, _pipeline, _customer_id, deal_id = store
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    status = run(
        [
            "activities",
            "plan",
            "--deal",
            str(deal_id),
            "call",
            "--due",
            tomorrow,
            "--time",
            "10:00+00:00",
        ]
    )
    assert status == 1
    assert "invalid time '10:00+00:00'" in capsys.readouterr().err


def test_shared_customer_name_lists_ids(store, capsys):
    sessions, _pipeline, first_id, _deal_id = store
    with sessions.begin() as session:
        first = session.get(Customer, first_id)
        assert first is not None
        second = Customer(
            name="Sunny School",
            team_id=first.team_id,
            created_at=first.created_at,
            updated_at=first.updated_at,
            state_changed_at=first.state_changed_at,
        )
        session.add(second)
        session.flush()
        second_id = second.id
    status = run(["activities", "log", "--customer", "Sunny School", "call"])
    assert status == 1
    error = capsys.readouterr().err
    assert "'Sunny School' is ambiguous" in error
    assert str(first_id) in error
    assert str(second_id) in error


def test_plan_done_and_list(store, capsys):
    _sessions, _pipeline, customer_id, _deal_id = store
    due = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    status = run(
        [
            "activities",
            "plan",
            "--customer",
            "sunny school",
            "visit",
            "--due",
            due,
            "--time",
            "09:30",
            "--format",
            "json",
        ]
    )
    assert status == 0
    planned = json_of(capsys)
    assert planned["state"] == "planned"
    assert planned["due"] == f"{due} 09:30"
    assert planned["customer_id"] == str(customer_id)

    assert run(["activities", "list", "--planned", "--format", "json"]) == 0
    assert [row["id"] for row in json_of(capsys)] == [planned["id"]]

    prefix = planned["id"][:13]
    status = run(
        ["activities", "done", prefix, "--result", "Signed up", "--format", "json"]
    )
    assert status == 0
    finished = json_of(capsys)
    assert finished["state"] == "done"
    assert finished["result"] == "Signed up"

    assert run(["activities", "list", "--planned", "--format", "json"]) == 0
    assert json_of(capsys) == []
    assert run(["activities", "list", "--done"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["id", "kind", "state"]
    assert planned["id"] in table[1]


def test_overdue_listed(store, capsys):
    _sessions, _pipeline, _customer_id, deal_id = store
    # Due at 00:00 today in Shanghai, which has passed.
    status = run(
        [
            "activities",
            "plan",
            "--deal",
            str(deal_id),
            "call",
            "--due",
            datetime.now(UTC).astimezone(_shanghai()).date().isoformat(),
            "--time",
            "00:00",
        ]
    )
    assert status == 0
    capsys.readouterr()
    assert run(["activities", "list", "--overdue", "--format", "json"]) == 0
    rows = json_of(capsys)
    assert [row["state"] for row in rows] == ["overdue"]


def test_reschedule_and_cancel(store, capsys):
    sessions, _pipeline, _customer_id, deal_id = store
    due = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    later = (datetime.now(UTC) + timedelta(days=9)).date().isoformat()
    run(["activities", "plan", "--deal", str(deal_id), "email", "--due", due])
    capsys.readouterr()
    with sessions() as session:
        activity_id = session.scalars(select(Activity.id)).one()
    status = run(
        [
            "activities",
            "reschedule",
            str(activity_id),
            "--due",
            later,
            "--format",
            "json",
        ]
    )
    assert status == 0
    assert json_of(capsys)["due"] == f"{later} 23:59"
    assert run(["activities", "cancel", str(activity_id)]) == 0
    capsys.readouterr()
    assert run(["activities", "list", "--format", "json"]) == 0
    assert json_of(capsys) == []


def test_short_prefix_rejected(store, capsys):
    assert run(["activities", "done", "01a2"]) == 1
    assert "at least 8 characters" in capsys.readouterr().err


def _shanghai():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")
