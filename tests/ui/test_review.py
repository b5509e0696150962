"""The pipeline review window against a small store built with the real services.

The hand-made data set, series ``review`` (P1 10 %, P2 30 %, P3 Proposal 60 %,
P4 100 %, P5 100 %), base currency CNY, close window 1 January to 31 October
2017:

====  =====  ==========  ===========  ===========  ==========================
deal  stage  amount      close        in window    weighted
====  =====  ==========  ===========  ===========  ==========================
A     P1      1,000,000  2017-03-01   yes             100,000 (10 %)
B     P1        500,000  2017-05-01   yes              50,000 (10 %)
C     P3      2,000,000  2017-06-30   yes           1,200,000 (60 %)
D     P3     30,000,000  2017-07-15   yes          18,000,000 (60 %)
E     P4        800,000  2017-09-01   yes             800,000 (100 %)
F     P2        700,000  2018-02-01   no                    —
G     won     1,000,000  won 2017-04-10 at an actual 1,200,000
H     lost      600,000  lost 2017-05-05: never counts
K     consult series, Qualify, 900,000, 2017-06-01: another series
====  =====  ==========  ===========  ===========  ==========================

Open deals in the window: 5 deals, 34,300,000, weighted 20,150,000. Forecast:
20,150,000 + 1,200,000 won = 21,350,000. Setting D to 0 % removes its
18,000,000, so the forecast becomes 3,350,000.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import reportdata
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFontDatabase, QImage

from crmdesk.domain.playbook import OutcomeResult
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deal_detail import load_deal_detail
from crmdesk.services.deals import (
    NewCustomer,
    NewOpportunity,
    create_customer,
    create_opportunity,
)
from crmdesk.services.stages import OutcomeInput, move_opportunity
from crmdesk.services.workspace import ensure_user, set_base_currency, set_current_user
from crmdesk.storage.db import open_store
from crmdesk.ui.events import EventHub
from crmdesk.ui.review.drilldown import DealListDialog
from crmdesk.ui.review.report_tab import ReportTab
from crmdesk.ui.review.table import DRILL_ROLE
from crmdesk.ui.review.window import ReviewWindow
from crmdesk.ui.tasks import TaskRunner

pytestmark = [
    pytest.mark.gui,
    # The offscreen platform has no window system to pass the size hints of a
    # shown dialog to, so it logs a warning.
    pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints"),
]

TODAY = date(2017, 11, 6)
WINDOW = (date(2017, 1, 1), date(2017, 10, 31))


@dataclass
class ReviewStore:
    """The hand-made data set: deal ids by letter and the lead's user id."""

    sessions: Any
    deals: dict[str, uuid.UUID]
    series: dict[str, uuid.UUID]
    lead_id: uuid.UUID


def _add(
    session: Any,
    ids: reportdata.Ids,
    actor: Actor,
    title: str,
    stage: str,
    amount: str,
    close: date,
    series: str = "review",
) -> uuid.UUID:
    customer = create_customer(session, NewCustomer(f"Customer of {title}"), actor)
    deal = create_opportunity(
        session,
        NewOpportunity(
            series_id=ids.series[series],
            title=title,
            customer_id=customer.id,
            amount=Decimal(amount),
            currency="CNY",
            expected_close=close,
            owner_id=actor.user_id,
            stage_id=ids.stages[(series, stage)],
        ),
        actor,
    )
    return deal.id


@pytest.fixture
def review_store(tmp_path: Path) -> Iterator[ReviewStore]:
    engine, sessions = open_store(tmp_path / "review.sqlite3")
    with sessions.begin() as session:
        ids = reportdata.install(session)
        set_base_currency(session, "CNY")
        lead = ensure_user(session, "zhou", "Zhou Min", role="lead")
        set_current_user(session, lead.id)
        actor = Actor(lead.id, ChangeSource.CLI)
        deals = {
            "A": _add(session, ids, actor, "A", "p1", "1000000", date(2017, 3, 1)),
            "B": _add(session, ids, actor, "B", "p1", "500000", date(2017, 5, 1)),
            "C": _add(session, ids, actor, "C", "p3", "2000000", date(2017, 6, 30)),
            "D": _add(session, ids, actor, "D", "p3", "30000000", date(2017, 7, 15)),
            "E": _add(session, ids, actor, "E", "p4", "800000", date(2017, 9, 1)),
            "F": _add(session, ids, actor, "F", "p2", "700000", date(2018, 2, 1)),
            "G": _add(session, ids, actor, "G", "p5", "1000000", date(2017, 4, 1)),
            "H": _add(session, ids, actor, "H", "p2", "600000", date(2017, 5, 1)),
            "K": _add(
                session,
                ids,
                actor,
                "K",
                "qualify",
                "900000",
                date(2017, 6, 1),
                "consult",
            ),
        }
        move_opportunity(
            session,
            deals["G"],
            ids.stages[("review", "won")],
            actor,
            OutcomeInput(
                OutcomeResult.WON,
                actual_amount=Decimal("1200000"),
                actual_date=date(2017, 4, 10),
            ),
        )
        move_opportunity(
            session,
            deals["H"],
            ids.stages[("review", "lost")],
            actor,
            OutcomeInput(
                OutcomeResult.LOST,
                reason_id=ids.lost_reason["review"],
                actual_date=date(2017, 5, 5),
            ),
        )
    yield ReviewStore(sessions, deals, ids.series, lead.id)
    engine.dispose()


@pytest.fixture
def review_runner(qapp: Any, review_store: ReviewStore) -> Iterator[TaskRunner]:
    runner = TaskRunner(review_store.sessions)
    yield runner
    runner.wait_idle()
    runner.shutdown()


@pytest.fixture
def window(
    qtbot: Any, review_runner: TaskRunner, review_store: ReviewStore
) -> ReviewWindow:
    """The review window on series ``review`` and the 2017 close window."""
    events = EventHub()
    review = ReviewWindow(review_runner, events, "en", today=TODAY)
    qtbot.addWidget(review)
    with qtbot.waitSignal(review.reports_loaded, timeout=10_000):
        pass
    review.filters.select_series(review_store.series["review"])
    review.filters.close_from.set_value(WINDOW[0])
    review.filters.close_to.set_value(WINDOW[1])
    with qtbot.waitSignal(review.reports_loaded, timeout=10_000):
        review.refresh()
    return review


def rows_of(tab: ReportTab) -> list[list[str]]:
    """Return the table of a tab as displayed text, row by row."""
    model = tab.model
    return [
        [model.index(row, column).data() for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def row_named(tab: ReportTab, label: str) -> list[str]:
    """Return the displayed row whose first cell is ``label``."""
    for row in rows_of(tab):
        if row[0] == label:
            return row
    raise AssertionError(f"no row {label!r} in {rows_of(tab)}")


def open_cell(
    qtbot: Any, review: ReviewWindow, tab: ReportTab, row: str, column: int
) -> DealListDialog:
    """Double-click a cell the way a lead does and wait for the deal list."""
    labels = [line[0] for line in rows_of(tab)]
    index = tab.model.index(labels.index(row), column)
    assert index.data(DRILL_ROLE) is not None, "the cell has no deals behind it"
    tab.view.doubleClicked.emit(index)
    dialog = review.findChild(DealListDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=5000)
    return dialog


def titles(dialog: DealListDialog) -> set[str]:
    model = dialog.model
    return {model.index(row, 0).data() for row in range(model.rowCount())}


def test_forecast_shows_hand_computed_total(window: ReviewWindow):
    forecast = window.forecast_tab

    assert row_named(forecast, "Initial contact") == [
        "Initial contact",
        "2",
        "1,500,000.00",
        "10.0 %",
        "150,000.00",
    ]
    assert row_named(forecast, "Proposal") == [
        "Proposal",
        "2",
        "32,000,000.00",
        "60.0 %",
        "19,200,000.00",
    ]
    assert row_named(forecast, "Needs confirmed")[1] == "0"
    assert row_named(forecast, "Open deals")[1:] == [
        "5",
        "34,300,000.00",
        "58.7 %",
        "20,150,000.00",
    ]
    assert row_named(forecast, "Won in the close window")[1:3] == [
        "1",
        "1,200,000.00",
    ]
    assert row_named(forecast, "Forecast")[4] == "21,350,000.00"
    assert "21,350,000.00" in forecast.headline.text()


def test_funnel_counts_won_and_lost_beside_stages(window: ReviewWindow):
    funnel = window.funnel_tab

    assert row_named(funnel, "Contract")[1:] == ["1", "800,000.00"]
    assert row_named(funnel, "Won in the close window")[1:] == ["1", "1,200,000.00"]
    assert row_named(funnel, "Lost in the close window")[1:] == ["1", "600,000.00"]
    assert len(funnel.chart_views()) == 2


def test_models_pass_the_model_tester(window: ReviewWindow, qtmodeltester: Any):
    for tab in (window.funnel_tab, window.forecast_tab, window.win_rates_tab):
        qtmodeltester.check(tab.model)


def test_drill_down_lists_stage_deals(qtbot: Any, window: ReviewWindow):
    dialog = open_cell(qtbot, window, window.forecast_tab, "Proposal", 1)

    assert titles(dialog) == {"C", "D"}
    assert dialog.model.index(0, 3).data() == "Proposal"


def test_drill_down_of_open_total_stays_in_window(qtbot: Any, window: ReviewWindow):
    dialog = open_cell(qtbot, window, window.funnel_tab, "Open deals", 1)

    assert titles(dialog) == {"A", "B", "C", "D", "E"}


def test_drill_down_by_ids_lists_won_deal(
    qtbot: Any, window: ReviewWindow, qtmodeltester: Any
):
    # Win rates carry the ids of their deals; stage P5 was reached by G (won).
    dialog = open_cell(qtbot, window, window.win_rates_tab, "Payment", 1)

    assert titles(dialog) == {"G"}
    assert dialog.model.index(0, 6).data() == "100 %"
    qtmodeltester.check(dialog.model)


def test_win_rates_flag_small_samples(window: ReviewWindow):
    row = row_named(window.win_rates_tab, "Needs confirmed")

    # H reached P2 and was lost; nothing else closed there.
    assert row[1:6] == ["0", "1", "1", "0.0 %", "Small sample"]
    assert row[6] == "30 %"


def test_rate_set_from_review_lowers_forecast(
    qtbot: Any, window: ReviewWindow, review_store: ReviewStore
):
    deal_d = review_store.deals["D"]
    changed: list[list[uuid.UUID]] = []
    window._events.deals_changed.connect(changed.append)
    dialog = open_cell(qtbot, window, window.forecast_tab, "Proposal", 4)
    assert dialog.select_deal(deal_d)
    editor = dialog.editor

    editor.rate_spin.setValue(0)
    editor.submit()
    assert editor.error_label.isVisibleTo(dialog), "a rate without reason was taken"

    editor.reason_edit.setText("Customer froze the budget")
    with qtbot.waitSignal(window.reports_loaded, timeout=10_000):
        editor.submit_button.click()

    assert changed == [[deal_d]]
    assert row_named(window.forecast_tab, "Forecast")[4] == "3,350,000.00"
    assert row_named(window.forecast_tab, "Proposal")[4] == "1,200,000.00"
    qtbot.waitUntil(lambda: editor.revisions.rowCount() == 1, timeout=5000)
    assert editor.revisions.item(0, 1).text() == "Zhou Min"
    assert editor.revisions.item(0, 2).text() == "0 %"
    assert editor.revisions.item(0, 3).text() == "Customer froze the budget"
    with review_store.sessions() as session:
        revisions = load_deal_detail(session, deal_d).revisions
    assert [(r.probability, r.reason) for r in revisions] == [
        (0, "Customer froze the budget")
    ]


def test_closed_deal_rate_cannot_be_set(qtbot: Any, window: ReviewWindow):
    dialog = open_cell(qtbot, window, window.funnel_tab, "Won in the close window", 1)
    dialog.view.setCurrentIndex(dialog.proxy.index(0, 0))

    assert not dialog.editor.submit_button.isEnabled()
    assert "closed" in dialog.editor.deal_label.text()


def test_csv_export_writes_header_and_rows(window: ReviewWindow, tmp_path: Path):
    window.tabs.setCurrentWidget(window.forecast_tab)
    path = tmp_path / "forecast.csv"

    assert window.export_csv(path)

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    model = window.forecast_tab.model
    header = [
        model.headerData(column, Qt.Orientation.Horizontal)
        for column in range(model.columnCount())
    ]
    assert lines[0] == header
    assert lines[0] == [
        "Stage",
        "Deals",
        "Amount (CNY)",
        "Expected rate",
        "Weighted (CNY)",
    ]
    assert ["Proposal", "2", "32000000.00", "60.0%", "19200000.00"] in lines
    assert ["Forecast", "", "", "", "21350000.00"] in lines
    assert len(lines) == 1 + 5 + 3


def test_chart_png_export_is_loadable(window: ReviewWindow, tmp_path: Path):
    window.tabs.setCurrentWidget(window.funnel_tab)
    path = tmp_path / "funnel.png"

    assert window.export_png(path)

    image = QImage(str(path))
    assert not image.isNull()
    assert image.width() == 2 * 1200
    assert image.height() == 640


def test_png_export_refused_without_chart(
    window: ReviewWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    told: list[str] = []
    monkeypatch.setattr(window, "_tell", lambda _title, text: told.append(text))
    window.tabs.setCurrentWidget(window.conversion_tab)

    assert not window.export_png(tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()
    assert told == ["This report has no chart: export its table as CSV instead."]


def test_pdf_summary_is_written(window: ReviewWindow, tmp_path: Path):
    path = tmp_path / "summary.pdf"

    assert window.save_pdf(path)

    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 20_000


def test_pdf_summary_embeds_cjk_font_in_chinese(window: ReviewWindow, tmp_path: Path):
    if "Noto Sans CJK SC" not in QFontDatabase.families():
        pytest.skip("the Noto Sans CJK SC font is not installed")
    window.set_language("zh_CN")
    path = tmp_path / "summary-zh.pdf"

    assert window.save_pdf(path)

    # The stage names are Chinese now, so the summary must carry a CJK font.
    assert row_named(window.forecast_tab, "方案")[1] == "2"
    assert b"NotoSansCJK" in path.read_bytes()
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")],
            check=True,
        )
        assert QImage(str(tmp_path / "page-1.png")).width() > 0


def test_invalid_close_window_is_explained(qtbot: Any, window: ReviewWindow):
    window.filters.close_to.set_value(date(2016, 12, 1))

    window.refresh()

    assert window.filters.error_label.isVisibleTo(window)
    assert "2016-12-01" in window.filters.error_label.text()


def test_all_series_prefixes_stage_names(qtbot: Any, window: ReviewWindow):
    window.filters.select_series(None)
    with qtbot.waitSignal(window.reports_loaded, timeout=10_000):
        window.refresh()

    assert row_named(window.forecast_tab, "Consult · Qualify")[1:3] == [
        "1",
        "900,000.00",
    ]
    assert row_named(window.forecast_tab, "Open deals")[1] == "6"


def test_cells_without_deals_do_not_drill(window: ReviewWindow):
    forecast = window.forecast_tab
    last = forecast.model.rowCount() - 1

    assert forecast.model.index(last, 1).data(DRILL_ROLE) is None
    assert forecast.model.index(-1, 0).data() is None
    assert forecast.model.data(QModelIndex()) is None
