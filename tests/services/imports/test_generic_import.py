"""The generic importer on small hand-written CSV files and mappings."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.imports import (
    FileReadError,
    MappingError,
    import_deals,
    load_mapping,
)
from crmdesk.services.playbooks import install_playbook
from crmdesk.services.workspace import ensure_user
from crmdesk.storage.models import (
    Customer,
    Opportunity,
    OutboxEntry,
    Outcome,
    Stage,
    StageHistory,
)

IMPORT_TIME = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
ACTOR = Actor(None, ChangeSource.IMPORT, at=IMPORT_TIME)

MAPPING = """
series = "b2b-sales"
source = "test-crm"
currency = "CNY"
date_format = "%Y-%m-%d"
owners = "existing"

[columns]
external_key = "编号"
title = "Deal"
customer = "客户"
amount = "Amount"
owner = "Owner"
stage = "Stage"
close_date = "Closed"
lost_reason = "Reason"

[stages]
"潜在" = "prospecting"
"Engaging" = "engaging"
"赢单" = "won"
"Lost" = "lost"

[lost_reasons]
"价格太高" = "price"
"""

HEADER = "编号,Deal,客户,Amount,Owner,Stage,Closed,Reason"
GOOD_ROWS = [
    'A1,Servers,北京华信科技有限公司,"12,000.50",li.wei,潜在,,',
    "A2,Laptops,上海星辰贸易,8000,li.wei,Engaging,,",
    "A3,Storage,北京华信科技有限公司,5000,li.wei,赢单,2024-03-01,",
    "A4,Switches,广州南方物流,3000,li.wei,Lost,2024-02-10,价格太高",
]


@pytest.fixture
def store(sessions):
    with sessions.begin() as session:
        install_playbook(session, shipped_playbook("b2b"))
        ensure_user(session, "li.wei", "李伟")
    return sessions


def write_mapping(folder: Path, text: str = MAPPING) -> Path:
    path = folder / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def write_csv(folder: Path, lines: list[str], encoding: str, name="deals.csv") -> Path:
    path = folder / name
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def run_import(store, csv_path, mapping_path, **options):
    mapping = load_mapping(mapping_path)
    with store.begin() as session:
        return import_deals(session, csv_path, mapping, ACTOR, **options)


def customer_names(store) -> set[str]:
    with store() as session:
        return set(session.scalars(select(Customer.name)))


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gbk")],
)
def test_encoding_detected(store, tmp_path, encoding, detected):
    path = write_csv(tmp_path, [HEADER, *GOOD_ROWS], encoding)
    result = run_import(store, path, write_mapping(tmp_path))
    assert result.encoding == detected
    assert result.imported == 4
    assert result.rejected == 0
    assert customer_names(store) == {
        "北京华信科技有限公司",
        "上海星辰贸易",
        "广州南方物流",
    }


def test_encoding_forced(store, tmp_path):
    path = write_csv(tmp_path, [HEADER, *GOOD_ROWS], "gbk")
    result = run_import(store, path, write_mapping(tmp_path), encoding="gbk")
    assert result.encoding == "gbk"
    assert "上海星辰贸易" in customer_names(store)


def test_wrong_forced_encoding_names_file(store, tmp_path):
    path = write_csv(tmp_path, [HEADER, *GOOD_ROWS], "gbk")
    with pytest.raises(FileReadError) as error:
        run_import(store, path, write_mapping(tmp_path), encoding="utf-8")
    assert str(path) in str(error.value)
    assert "--encoding" in str(error.value)


def test_deals_and_outcomes(store, tmp_path):
    path = write_csv(tmp_path, [HEADER, *GOOD_ROWS], "utf-8")
    run_import(store, path, write_mapping(tmp_path))
    with store() as session:
        deals = {
            deal.external_key: deal for deal in session.scalars(select(Opportunity))
        }
        stages = {stage.id: stage.key for stage in session.scalars(select(Stage))}
        outcomes = {o.opportunity_id: o for o in session.scalars(select(Outcome))}
    assert {key: stages[d.stage_id] for key, d in deals.items()} == {
        "A1": "prospecting",
        "A2": "engaging",
        "A3": "won",
        "A4": "lost",
    }
    assert deals["A1"].amount_minor == 1_200_050
    assert deals["A1"].currency == "CNY"
    won = outcomes[deals["A3"].id]
    assert won.actual_amount_minor == 500_000
    assert won.actual_date == date(2024, 3, 1)
    assert outcomes[deals["A4"].id].result == "lost"


def test_bad_rows_rejected_with_lines(store, tmp_path):
    lines = [
        HEADER,
        GOOD_ROWS[0],
        'B1,"Two-line\ntitle",上海星辰贸易,abc,li.wei,潜在,,',
        "B2,Racks,上海星辰贸易,100,li.wei,Lost,2024-13-45,价格太高",
        'B3,"Cables, spares",上海星辰贸易,100,li.wei,Negotiation,,',
        "B4,,上海星辰贸易,100,li.wei,潜在,,",
        "B5,Desks,上海星辰贸易,100,zhang.san,潜在,,",
        "",
        GOOD_ROWS[1],
    ]
    path = write_csv(tmp_path, lines, "utf-8")
    report = tmp_path / "report.csv"
    result = run_import(store, path, write_mapping(tmp_path), report_path=report)

    # Physical lines: header 1, A1 2, B1 3-4, B2 5, B3 6, B4 7, B5 8, blank 9, A2 10.
    data_rows = 7
    assert result.rows == data_rows
    assert result.imported + result.updated + result.unchanged + result.rejected == (
        data_rows
    )
    assert result.imported == 2
    assert result.rejected == 5
    assert result.report_path == report
    with report.open(encoding="utf-8") as handle:
        assert handle.read(1) == "\ufeff"
    with report.open(newline="", encoding="utf-8-sig") as handle:
        reported = list(csv.DictReader(handle))
    by_line = {int(row["line"]): row for row in reported}
    assert sorted(by_line) == [3, 5, 6, 7, 8]
    assert "'abc'" in by_line[3]["reason"]
    assert by_line[3]["Deal"] == "Two-line\ntitle"
    assert "'2024-13-45'" in by_line[5]["reason"]
    assert "'Negotiation'" in by_line[6]["reason"]
    assert "title" in by_line[7]["reason"]
    assert "'zhang.san'" in by_line[8]["reason"]
    assert {row["file"] for row in reported} == {"deals.csv"}
    assert by_line[6]["客户"] == "上海星辰贸易"


def test_rejected_row_creates_no_customer(store, tmp_path):
    lines = [HEADER, "C1,Racks,新客户公司,100,nobody,潜在,,"]
    path = write_csv(tmp_path, lines, "utf-8")
    result = run_import(store, path, write_mapping(tmp_path))
    assert result.rejected == 1
    assert "新客户公司" not in customer_names(store)


def test_lost_without_reason_rejected(store, tmp_path):
    lines = [HEADER, "D1,Racks,上海星辰贸易,100,li.wei,Lost,2024-02-10,"]
    path = write_csv(tmp_path, lines, "utf-8")
    result = run_import(store, path, write_mapping(tmp_path))
    assert result.rejected == 1
    assert "lost reason" in result.rejected_rows[0].reason


def test_owners_created_on_request(store, tmp_path):
    mapping = write_mapping(
        tmp_path, MAPPING.replace('owners = "existing"', 'owners = "create"')
    )
    lines = [HEADER, "E1,Racks,上海星辰贸易,100,王芳,潜在,,"]
    result = run_import(store, write_csv(tmp_path, lines, "utf-8"), mapping)
    assert result.imported == 1


def test_reimport_unchanged_then_moved(store, tmp_path):
    mapping = write_mapping(tmp_path)
    path = write_csv(tmp_path, [HEADER, *GOOD_ROWS], "utf-8")
    run_import(store, path, mapping)
    with store() as session:
        outbox_before = session.scalar(select(func.count()).select_from(OutboxEntry))

    again = run_import(store, path, mapping)
    assert again.unchanged == 4
    assert again.imported == 0
    with store() as session:
        outbox_after = session.scalar(select(func.count()).select_from(OutboxEntry))
    assert outbox_after == outbox_before

    moved_rows = [GOOD_ROWS[0].replace(",潜在,", ",Engaging,"), *GOOD_ROWS[1:]]
    moved = run_import(
        store, write_csv(tmp_path, [HEADER, *moved_rows], "utf-8"), mapping
    )
    assert moved.updated == 1
    assert moved.unchanged == 3
    with store() as session:
        deal = session.scalar(
            select(Opportunity).where(Opportunity.external_key == "A1")
        )
        history = session.scalars(
            select(StageHistory)
            .where(StageHistory.opportunity_id == deal.id)
            .order_by(StageHistory.changed_at)
        ).all()
        stage = session.get(Stage, deal.stage_id)
    assert stage.key == "engaging"
    assert len(history) == 2
    assert history[-1].source == "import"


def test_duplicate_key_rejected(store, tmp_path):
    lines = [HEADER, GOOD_ROWS[0], GOOD_ROWS[0]]
    result = run_import(
        store, write_csv(tmp_path, lines, "utf-8"), write_mapping(tmp_path)
    )
    assert result.imported == 1
    assert result.rejected == 1
    assert "line 2" in result.rejected_rows[0].reason


def test_missing_column_is_mapping_error(store, tmp_path):
    mapping = write_mapping(tmp_path, MAPPING.replace('"Closed"', '"Close date"'))
    path = write_csv(tmp_path, [HEADER, *GOOD_ROWS], "utf-8")
    with pytest.raises(MappingError) as error:
        run_import(store, path, mapping)
    message = str(error.value)
    assert "'Close date'" in message
    assert "'Closed'" in message
    assert "'编号'" in message


def test_unknown_stage_key_is_mapping_error(store, tmp_path):
    mapping = write_mapping(tmp_path, MAPPING.replace('= "engaging"', '= "demo"'))
    path = write_csv(tmp_path, [HEADER, *GOOD_ROWS], "utf-8")
    with pytest.raises(MappingError) as error:
        run_import(store, path, mapping)
    assert "'demo'" in str(error.value)


def test_mapping_file_problems_listed(tmp_path):
    path = write_mapping(tmp_path, 'colour = "red"\n[columns]\ntitle = "T"\n')
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    message = str(error.value)
    assert "'colour'" in message
    assert "series is missing" in message
    assert "stage" in message


def test_shipped_example_mapping_loads():
    root = Path(__file__).resolve().parents[3]
    mapping = load_mapping(root / "resources/mappings/b2b-example.toml")
    assert mapping.series == "b2b-sales"
    assert mapping.stages["赢单"] == "won"


def test_amount_with_too_many_decimals(store, tmp_path):
    lines = [HEADER, "F1,Racks,上海星辰贸易,10.123,li.wei,潜在,,"]
    result = run_import(
        store, write_csv(tmp_path, lines, "utf-8"), write_mapping(tmp_path)
    )
    assert result.rejected == 1
    assert "'10.123'" in result.rejected_rows[0].reason
