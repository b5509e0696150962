"""Installing playbooks into a real SQLite store, and reading their series back."""

from __future__ import annotations

import dataclasses
import json
import tomllib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.ids import new_id
from crmdesk.domain.playbook import OutcomeResult, Playbook, StageKind
from crmdesk.domain.playbook_file import parse_playbook, shipped_playbook
from crmdesk.domain.rules import check_move
from crmdesk.services.playbooks import (
    PlaybookConflictError,
    find_series,
    install_playbook,
    list_customer_states,
    list_series,
    load_series,
)
from crmdesk.storage.db import open_store
from crmdesk.storage.models import (
    ApprovalType,
    Base,
    ChecklistAction,
    Customer,
    CustomerState,
    Opportunity,
    OutboxEntry,
    PlaybookRow,
    Reason,
    Series,
    Stage,
    Team,
)

RESOURCES = Path(__file__).parents[2] / "resources" / "playbooks"
TABLES: list[type[Base]] = [
    PlaybookRow,
    CustomerState,
    Team,
    Series,
    Stage,
    ChecklistAction,
    ApprovalType,
    Reason,
    OutboxEntry,
]

DEMO = """\
key = "demo"
name_en = "Demo"
name_zh = "演示"
version = 1
base_currency = "CNY"

[[states]]
key = "prospect"
name_en = "Prospect"
name_zh = "潜在客户"

[[states]]
key = "customer"
name_en = "Customer"
name_zh = "客户"

[[series]]
key = "trial"
name_en = "Trial"
name_zh = "试听"
team = "front-end"
start_state = "prospect"
end_state = "customer"

[series.rules]
checklist_gates = true

[[series.stages]]
key = "contact"
name_en = "Contact"
name_zh = "联系"
default_probability = 10

[[series.stages.checklist]]
key = "call"
name_en = "Call"
name_zh = "电话"
required = true
activity = "call"

[[series.stages]]
key = "booked"
name_en = "Booked"
name_zh = "已预约"
default_probability = 50

[[series.stages]]
key = "won"
name_en = "Won"
name_zh = "赢单"
kind = "won"

[[series.stages]]
key = "lost"
name_en = "Lost"
name_zh = "丢单"
kind = "lost"

[[series.reasons]]
key = "other"
result = "lost"
name_en = "Other"
name_zh = "其他"
note_required = true
"""

STATES_ONLY = DEMO[: DEMO.index("[[series]]")]

BOOKED_STAGE = """[[series.stages]]
key = "booked"
name_en = "Booked"
name_zh = "已预约"
default_probability = 50

"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine, factory = open_store(tmp_path / "s.sqlite3")
    yield factory
    engine.dispose()


def demo(text: str = DEMO) -> Playbook:
    return parse_playbook(text, "demo.toml")


def install(factory: sessionmaker[Session], playbook: Playbook) -> None:
    with factory() as session:
        install_playbook(session, playbook)
        session.commit()


def row_counts(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table))
            or 0
            for table in TABLES
        }


def outbox(factory: sessionmaker[Session]) -> list[OutboxEntry]:
    with factory() as session:
        return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)))


def expected_counts(files: list[str]) -> dict[str, int]:
    """Count the rows a set of playbook files should produce, from plain TOML."""
    counts = dict.fromkeys(
        ["playbooks", "customer_states", "series", "stages", "checklist_actions"], 0
    )
    counts["reasons"] = 0
    counts["approval_types"] = 0
    teams: set[str] = set()
    for name in files:
        raw = tomllib.loads((RESOURCES / name).read_text(encoding="utf-8"))
        counts["playbooks"] += 1
        counts["customer_states"] += len(raw["states"])
        for series in raw.get("series", []):
            counts["series"] += 1
            teams.add(series["team"])
            counts["stages"] += len(series["stages"])
            counts["reasons"] += len(series["reasons"])
            for stage in series["stages"]:
                counts["checklist_actions"] += len(stage.get("checklist", []))
                counts["approval_types"] += len(stage.get("approvals", []))
    counts["teams"] = len(teams)
    return counts


def add_deal(factory: sessionmaker[Session], stage_key: str) -> uuid.UUID:
    now = datetime.now(UTC)
    with factory() as session:
        stage = session.scalars(select(Stage).where(Stage.key == stage_key)).one()
        deal = Opportunity(
            id=new_id(),
            series_id=stage.series_id,
            stage_id=stage.id,
            title="Trial for Li Lei",
            currency="CNY",
            stage_entered_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(deal)
        session.commit()
        return deal.id


# Installing ----------------------------------------------------------------------


def test_install_shipped_playbooks(store: sessionmaker[Session]) -> None:
    install(store, shipped_playbook("education"))
    install(store, shipped_playbook("b2b"))

    counts = row_counts(store)
    expected = expected_counts(["education.toml", "b2b.toml"])

    for table, count in expected.items():
        assert counts[table] == count, table
    assert counts["outbox"] == sum(expected.values())


def test_reinstall_adds_no_rows_or_outbox(store: sessionmaker[Session]) -> None:
    install(store, shipped_playbook("education"))
    install(store, shipped_playbook("b2b"))
    before = row_counts(store)

    install(store, shipped_playbook("education"))
    install(store, shipped_playbook("b2b"))

    assert row_counts(store) == before


def test_reinstall_after_reopening_store(tmp_path: Path) -> None:
    engine, factory = open_store(tmp_path / "s.sqlite3")
    install(factory, shipped_playbook("education"))
    before = row_counts(factory)
    engine.dispose()

    engine, factory = open_store(tmp_path / "s.sqlite3")
    install(factory, shipped_playbook("education"))

    assert row_counts(factory) == before
    engine.dispose()


def test_install_creates_teams(store: sessionmaker[Session]) -> None:
    install(store, shipped_playbook("education"))

    with store() as session:
        keys = set(session.scalars(select(Team.key)))

    assert keys == {"front-end", "teaching", "back-end"}


def test_install_keeps_existing_team(store: sessionmaker[Session]) -> None:
    with store() as session:
        session.add(Team(id=new_id(), key="front-end", name="Shanghai front desk"))
        session.commit()

    install(store, demo())

    with store() as session:
        teams = list(session.scalars(select(Team)))
    assert [(t.key, t.name) for t in teams] == [("front-end", "Shanghai front desk")]


def test_changed_probability_is_updated(store: sessionmaker[Session]) -> None:
    install(store, demo())
    seq_before = len(outbox(store))

    install(
        store,
        demo(DEMO.replace("default_probability = 50", "default_probability = 40")),
    )

    with store() as session:
        stage = session.scalars(select(Stage).where(Stage.key == "booked")).one()
        stage_count = session.scalar(select(func.count()).select_from(Stage))
    assert stage.default_probability == 40
    assert stage_count == 4
    new_entries = outbox(store)[seq_before:]
    stage_entries = [e for e in new_entries if e.table_name == "stages"]
    assert [json.loads(e.changes) for e in stage_entries] == [
        {"default_probability": 40}
    ]
    assert {e.table_name for e in new_entries} == {"stages", "playbooks"}


def test_changed_rules_and_labels_update_in_place(
    store: sessionmaker[Session],
) -> None:
    install(store, demo())
    series_id = list_series_ids(store)[0]
    text = DEMO.replace("checklist_gates = true", "checklist_gates = false")
    text = text.replace('name_zh = "已预约"', 'name_zh = "已约试听"')

    install(store, demo(text))

    with store() as session:
        series = load_series(session, series_id)
    assert not series.rules.checklist_gates
    assert series.stage_by_key("booked").name.zh == "已约试听"


def test_checklist_changes(store: sessionmaker[Session]) -> None:
    install(store, demo())
    text = DEMO.replace("required = true", "required = false")
    text = text.replace(
        '[[series.stages]]\nkey = "booked"',
        '[[series.stages.checklist]]\nkey = "brochure"\nname_en = "Brochure"\n'
        'name_zh = "资料"\nactivity = "email"\n\n[[series.stages]]\nkey = "booked"',
    )

    install(store, demo(text))

    with store() as session:
        contact = find_series(session, "trial").stage_by_key("contact")
    assert [(a.key, a.required, a.activity) for a in contact.checklist] == [
        ("call", False, "call"),
        ("brochure", False, "email"),
    ]


def test_removed_action_is_soft_deleted(store: sessionmaker[Session]) -> None:
    install(store, demo())
    text = DEMO.replace("required = true", "required = false")
    action_start = text.index("[[series.stages.checklist]]")
    action_end = text.index('[[series.stages]]\nkey = "booked"')

    install(store, demo(text[:action_start] + text[action_end:]))

    with store() as session:
        action = session.scalars(select(ChecklistAction)).one()
        contact = find_series(session, "trial").stage_by_key("contact")
    assert action.deleted_at is not None
    assert contact.checklist == ()


def test_removing_used_stage_is_rejected(store: sessionmaker[Session]) -> None:
    install(store, demo())
    add_deal(store, "booked")
    outbox_before = len(outbox(store))

    with store() as session:
        with pytest.raises(PlaybookConflictError) as caught:
            install_playbook(session, demo(DEMO.replace(BOOKED_STAGE, "")))
        assert not session.new
        assert not session.dirty

    message = str(caught.value)
    assert "stage 'booked' (Booked) of series 'trial'" in message
    assert "1 deal is in it" in message
    assert "demo.toml" in message
    assert len(outbox(store)) == outbox_before


def test_changing_kind_of_used_stage_is_rejected(
    store: sessionmaker[Session],
) -> None:
    install(store, demo())
    add_deal(store, "booked")
    add_deal(store, "booked")
    text = DEMO.replace('key = "lost"\n', 'key = "lost-old"\n')
    text = text.replace(BOOKED_STAGE, "").replace('key = "lost-old"', 'key = "booked"')
    # "booked" is now the lost stage.

    with store() as session, pytest.raises(PlaybookConflictError) as caught:
        install_playbook(session, demo(text))

    assert "changes kind from open to lost but 2 deals are in it" in str(caught.value)


def test_removing_unused_stage_soft_deletes(store: sessionmaker[Session]) -> None:
    install(store, demo())
    with store() as session:
        old_id = session.scalars(select(Stage.id).where(Stage.key == "booked")).one()

    install(store, demo(DEMO.replace(BOOKED_STAGE, "")))

    with store() as session:
        stage = session.get(Stage, old_id)
        series = find_series(session, "trial")
    assert stage is not None
    assert stage.deleted_at is not None
    assert [s.key for s in series.stages] == ["contact", "won", "lost"]

    install(store, demo())

    with store() as session:
        revived = session.get(Stage, old_id)
        series = find_series(session, "trial")
    assert revived is not None
    assert revived.deleted_at is None
    assert [s.key for s in series.stages] == ["contact", "booked", "won", "lost"]


def test_removing_stage_with_deleted_deal(store: sessionmaker[Session]) -> None:
    install(store, demo())
    deal_id = add_deal(store, "booked")
    with store() as session:
        deal = session.get(Opportunity, deal_id)
        assert deal is not None
        deal.deleted_at = datetime.now(UTC)
        session.commit()

    install(store, demo(DEMO.replace(BOOKED_STAGE, "")))

    with store() as session:
        assert [s.key for s in find_series(session, "trial").stages] == [
            "contact",
            "won",
            "lost",
        ]


def test_removing_state_with_customers_is_rejected(
    store: sessionmaker[Session],
) -> None:
    install(store, demo(STATES_ONLY))
    now = datetime.now(UTC)
    with store() as session:
        state = session.scalars(
            select(CustomerState).where(CustomerState.key == "customer")
        ).one()
        session.add(
            Customer(
                id=new_id(),
                name="Han Meimei",
                state_id=state.id,
                created_at=now,
                updated_at=now,
            )
        )
        session.commit()
    only_prospect = STATES_ONLY[: STATES_ONLY.index('[[states]]\nkey = "customer"')]

    with store() as session, pytest.raises(PlaybookConflictError) as caught:
        install_playbook(session, demo(only_prospect))

    assert "customer state 'customer' (Customer)" in str(caught.value)
    assert "1 customer is in it" in str(caught.value)


def test_removed_series_is_soft_deleted(store: sessionmaker[Session]) -> None:
    install(store, demo())

    install(store, demo(STATES_ONLY))

    with store() as session:
        assert list_series(session) == []
        live_stages = session.scalar(
            select(func.count()).select_from(Stage).where(Stage.deleted_at.is_(None))
        )
        live_reasons = session.scalar(
            select(func.count()).select_from(Reason).where(Reason.deleted_at.is_(None))
        )
    assert live_stages == 0
    assert live_reasons == 0


def test_states_only_playbook(store: sessionmaker[Session]) -> None:
    install(store, demo(STATES_ONLY))

    with store() as session:
        states = list_customer_states(session)
        series = list_series(session)

    assert [(s.key, s.name.zh, s.position) for s in states] == [
        ("prospect", "潜在客户", 0),
        ("customer", "客户", 1),
    ]
    assert series == []


def test_playbook_row_fields(store: sessionmaker[Session]) -> None:
    playbook = dataclasses.replace(demo(), version=3)

    with store() as session:
        row = install_playbook(session, playbook)
        session.commit()

    assert row.key == "demo"
    assert row.revision == 3
    assert row.base_currency == "CNY"
    assert row.source == "demo.toml"
    assert len(row.digest) == 64


# Reading series ------------------------------------------------------------------


def list_series_ids(factory: sessionmaker[Session]) -> list[uuid.UUID]:
    with factory() as session:
        return [series.id for series in list_series(session)]


def test_list_series_records(store: sessionmaker[Session]) -> None:
    install(store, shipped_playbook("education"))
    raw = tomllib.loads((RESOURCES / "education.toml").read_text(encoding="utf-8"))

    with store() as session:
        records = list_series(session)

    assert [r.key for r in records] == [s["key"] for s in raw["series"]]
    for record, raw_series in zip(records, raw["series"], strict=True):
        assert record.name.zh == raw_series["name_zh"]
        assert record.team_key == raw_series["team"]
        assert record.currency == "CNY"
        assert [s.key for s in record.stages] == [
            s["key"] for s in raw_series["stages"]
        ]
        assert [s.position for s in record.stages] == list(range(len(record.stages)))
        for stage, raw_stage in zip(record.stages, raw_series["stages"], strict=True):
            expected = raw_stage.get(
                "default_probability",
                {"won": 100, "lost": 0}.get(raw_stage.get("kind", "")),
            )
            assert stage.default_probability == expected
            assert [a.key for a in stage.checklist] == [
                a["key"] for a in raw_stage.get("checklist", [])
            ]
        assert len(record.reasons) == len(raw_series["reasons"])


def test_series_record_helpers(store: sessionmaker[Session]) -> None:
    install(store, demo())

    with store() as session:
        series = find_series(session, "trial")

    assert series.won_stage.kind is StageKind.WON
    assert series.lost_stage.key == "lost"
    assert [s.key for s in series.open_stages] == ["contact", "booked"]
    assert [r.key for r in series.reasons_for(OutcomeResult.LOST)] == ["other"]
    assert series.reasons_for(OutcomeResult.WON) == ()
    assert series.stage(series.open_stages[0].id).key == "contact"
    with pytest.raises(NotFoundError, match="has no stage 'signed'"):
        series.stage_by_key("signed")


def test_series_record_feeds_move_rules(store: sessionmaker[Session]) -> None:
    install(store, demo())
    with store() as session:
        series = find_series(session, "trial")
    positions = series.stage_positions("zh")
    contact, _booked, won, _lost = positions

    rejections = check_move(series.rules, positions, contact, won, ["电话"])

    assert [r.code for r in rejections] == ["skip_forbidden", "required_actions_open"]
    assert "'已预约'" in rejections[0].message


def test_find_series_by_id_key_and_names(store: sessionmaker[Session]) -> None:
    install(store, shipped_playbook("education"))
    with store() as session:
        target = find_series(session, "trial-conversion")

        assert find_series(session, str(target.id)) == target
        assert find_series(session, "TRIAL-CONVERSION") == target
        assert find_series(session, "trial lesson conversion") == target
        assert find_series(session, " 试听转化 ") == target


def test_find_series_unknown_lists_choices(store: sessionmaker[Session]) -> None:
    install(store, shipped_playbook("education"))

    with store() as session, pytest.raises(NotFoundError) as caught:
        find_series(session, "renewals")

    message = str(caught.value)
    assert "no series matches 'renewals'" in message
    assert "new-customer (New customer / 新客户开发)" in message
    assert "repeat-referral" in message


def test_find_series_ambiguous(store: sessionmaker[Session]) -> None:
    install(store, demo())
    install(store, demo(DEMO.replace('key = "demo"', 'key = "demo-copy"')))

    with store() as session, pytest.raises(NotFoundError) as caught:
        find_series(session, "Trial")

    assert "series 'Trial' is ambiguous" in str(caught.value)
    assert str(caught.value).count("trial (Trial / 试听) id ") == 2


def test_find_series_empty_store(store: sessionmaker[Session]) -> None:
    with store() as session, pytest.raises(NotFoundError, match="No playbook"):
        find_series(session, "trial")


def test_load_series_unknown_id(store: sessionmaker[Session]) -> None:
    missing = new_id()

    with store() as session, pytest.raises(NotFoundError, match=str(missing)):
        load_series(session, missing)


def test_install_rejects_unknown_state_in_code(
    store: sessionmaker[Session],
) -> None:
    playbook = demo()
    broken = dataclasses.replace(
        playbook,
        series=(dataclasses.replace(playbook.series[0], end_state="member"),),
    )

    with store() as session, pytest.raises(ValidationError) as caught:
        install_playbook(session, broken)

    assert "customer state 'member'" in str(caught.value)
    assert "series 'trial'" in str(caught.value)
