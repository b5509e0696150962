"""The Maven preset on a small hand-written folder: re-import after a stage change."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.imports.maven import import_maven
from crmdesk.services.stages import move_opportunity
from crmdesk.storage.models import Opportunity, Outcome, Stage, StageHistory

ACCOUNTS = (
    "account,sector,year_established,revenue,employees,office_location,subsidiary_of\n"
    "Acme,technolgy,1996,1100.04,2822,United States,\n"
    "Acme West,retail,2001,10.5,40,Philipines,Acme\n"
)
PRODUCTS = "product,series,sales_price\nGTX Pro,GTX,4821\nMG Special,MG,55\n"
TEAMS = (
    "sales_agent,manager,regional_office\nAnn Lee,Bo Chan,East\nCy Dow,Bo Chan,East\n"
)
HEADER = (
    "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,"
    "close_value\n"
)


def write_folder(folder: Path, pipeline_rows: list[str]) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    (folder / "products.csv").write_text(PRODUCTS, encoding="utf-8")
    (folder / "sales_teams.csv").write_text(TEAMS, encoding="utf-8")
    (folder / "sales_pipeline.csv").write_text(
        HEADER + "\n".join(pipeline_rows) + "\n", encoding="utf-8"
    )
    return folder


ROWS = [
    "K1,Ann Lee,GTXPro,Acme,Engaging,2017-01-05,,",
    "K2,Cy Dow,MG Special,,Prospecting,,,",
    "K3,Ann Lee,Unknown Gizmo,Acme,Prospecting,,,",
    "K4,Nobody,MG Special,Acme,Prospecting,,,",
    "K5,Ann Lee,MG Special,Acme,Won,2017-01-05,bad-date,55",
]


def run(sessions, folder):
    with sessions.begin() as session:
        return import_maven(
            session,
            folder,
            Actor(None, ChangeSource.IMPORT),
            report_path=folder / "report.csv",
        )


def test_bad_rows_reported(sessions, tmp_path):
    result = run(sessions, write_folder(tmp_path / "m", ROWS))
    assert result.imported == 2
    assert result.rejected == 3
    reasons = {row.line: row.reason for row in result.rejected_rows}
    assert "'Unknown Gizmo'" in reasons[4]
    assert "'Nobody'" in reasons[5]
    assert "'bad-date'" in reasons[6]
    assert result.report_path is not None
    assert result.report_path.is_file()


def test_stage_change_moves_deal(sessions, tmp_path):
    folder = write_folder(tmp_path / "m", ROWS[:2])
    run(sessions, folder)
    write_folder(
        folder, ["K1,Ann Lee,GTXPro,Acme,Won,2017-01-05,2017-02-01,4000", ROWS[1]]
    )
    result = run(sessions, folder)
    assert result.updated == 1
    assert result.unchanged == 1
    with sessions() as session:
        deal = session.scalar(
            select(Opportunity).where(Opportunity.external_key == "K1")
        )
        stage = session.get(Stage, deal.stage_id)
        outcome = session.scalar(
            select(Outcome).where(Outcome.opportunity_id == deal.id)
        )
        history = session.scalar(
            select(func.count()).where(StageHistory.opportunity_id == deal.id)
        )
    assert stage.key == "won"
    assert outcome.actual_amount_minor == 400_000
    assert deal.amount_minor == 400_000
    assert history == 3


def test_hand_move_kept_when_file_unchanged(sessions, tmp_path):
    folder = write_folder(tmp_path / "m", ROWS[:2])
    run(sessions, folder)
    with sessions.begin() as session:
        deal = session.scalar(
            select(Opportunity).where(Opportunity.external_key == "K2")
        )
        engaging = session.scalar(select(Stage).where(Stage.key == "engaging"))
        move_opportunity(session, deal.id, engaging.id, Actor(None, ChangeSource.BOARD))
    result = run(sessions, folder)
    assert result.unchanged == 2
    with sessions() as session:
        deal = session.scalar(
            select(Opportunity).where(Opportunity.external_key == "K2")
        )
        assert session.get(Stage, deal.stage_id).key == "engaging"
