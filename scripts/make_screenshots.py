"""Make the user guide's screenshots from a generated demo workspace.

Builds a demo store in a temporary folder (fixed seed and date, so every run
shows the same deals), opens the main window with a deal's detail panel, the
outcome dialog, the pipeline review window, the customer board with a
customer's state history, the sync issues panel with the status bar, and the
approvals inbox and a deal's approvals in English and in Simplified Chinese,
grabs each with
``QWidget.grab()`` and writes PNG files to ``docs/images/``. It runs on Qt's
offscreen platform unless ``QT_QPA_PLATFORM`` is set, so no display is needed.
Chinese text needs a CJK font installed (fonts-noto-cjk on Debian).

Usage: python scripts/make_screenshots.py [--out docs/images] [--deals 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "zh_CN")
TODAY = date(2025, 6, 16)
"""The date the demo is generated around and the review is opened on."""
SEED = 7
WINDOW_SIZE = (1280, 800)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--deals", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="crmdesk-shots-") as folder:
        # Settings and logs of this run stay in the temporary folder too.
        for name in ("DATA", "CONFIG", "CACHE", "LOG"):
            os.environ[f"CRMDESK_{name}_DIR"] = str(Path(folder) / name.lower())
        return shoot(args.out, args.deals)


def shoot(out: Path, deals: int) -> int:
    from PySide6.QtWidgets import QApplication

    from crmdesk.config.paths import resolve_paths
    from crmdesk.config.settings import Settings
    from crmdesk.services.demo import generate_demo
    from crmdesk.storage.db import open_store
    from crmdesk.ui.events import EventHub
    from crmdesk.ui.i18n import Translators
    from crmdesk.ui.tasks import TaskRunner

    paths = resolve_paths()
    paths.ensure()
    engine, sessions = open_store(paths.database)
    generate_demo(sessions, deals, seed=SEED, today=TODAY)
    add_sync_issues(engine, sessions)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    out.mkdir(parents=True, exist_ok=True)
    translators = Translators(app)
    runner = TaskRunner(sessions)
    try:
        for language in LANGUAGES:
            translators.install(language)
            settings = Settings.load(paths.config_dir)
            shots = Shots(app, runner, EventHub(), settings, translators, sessions)
            shots.sync = offline_sync_runner(paths.data_dir, sessions)
            for name, path in shots.take_all(language, out).items():
                print(f"{name}: {path} ({path.stat().st_size // 1024} KB)")
    finally:
        runner.wait_idle()
        runner.shutdown()
        engine.dispose()
    return 0


def add_sync_issues(engine, sessions) -> None:
    """Record a last pull and three sync issues on demo deals, as a round would.

    The issues carry the server's English message, which the panel shows only
    under Details, and the login of the demo user who made the other change.
    """
    from sqlalchemy import select

    from crmdesk.storage.models import Opportunity, Stage
    from crmdesk.sync import local

    with sessions() as session:
        deals = session.execute(
            select(
                Opportunity.id,
                Opportunity.amount_minor,
                Opportunity.notes,
                Opportunity.series_id,
                Opportunity.stage_id,
            )
            .order_by(Opportunity.title)
            .limit(3)
        ).all()
        first, second, third = deals
        stages = list(
            session.scalars(
                select(Stage.id)
                .where(Stage.series_id == first.series_id)
                .order_by(Stage.position)
            )
        )
    base = stages.index(first.stage_id)
    with engine.begin() as connection:
        local.set_state(connection, "last_pull_at", "2025-06-16T09:30:00+00:00")
        local.add_issue(
            connection,
            kind="conflict",
            table_name="opportunities",
            row_id=first.id,
            field="stage_id",
            mine=str(stages[(base + 1) % len(stages)]),
            theirs=str(stages[(base + 2) % len(stages)]),
            base=str(first.stage_id),
            other_login="wang.fang",
            message="changed by wang.fang since you last synced; the server value "
            "stays",
        )
        local.add_issue(
            connection,
            kind="conflict",
            table_name="opportunities",
            row_id=second.id,
            field="amount_minor",
            mine=second.amount_minor + 1_500_000,
            theirs=second.amount_minor + 500_000,
            base=second.amount_minor,
            other_login="li.wei",
            message="changed by li.wei since you last synced; the server value stays",
        )
        local.add_issue(
            connection,
            kind="also_edited",
            table_name="opportunities",
            row_id=third.id,
            field="notes",
            mine="Demo booked for Thursday",
            theirs="Principal asked for a second quote",
            base=third.notes or "",
            other_login="wang.fang",
            kept="theirs",
            message="also edited by wang.fang; the later edit by the hybrid clock "
            "is kept",
        )


def offline_sync_runner(data_dir: Path, sessions):
    """Return a sync runner on the real local status, whose rounds never run."""
    from dataclasses import replace

    from crmdesk.app import sync_hooks
    from crmdesk.ui.sync.runner import RoundError, SyncRunner

    def no_round(_ask):
        raise RoundError("unreachable", "the screenshots run without a server")

    hooks = sync_hooks(data_dir, sessions)
    return SyncRunner(replace(hooks, is_configured=lambda: True, run_round=no_round))


class Shots:
    """Opens each window of the guide in one language and saves its picture."""

    def __init__(self, app, runner, events, settings, translators, sessions) -> None:
        self.app = app
        self.runner = runner
        self.events = events
        self.settings = settings
        self.translators = translators
        self.sessions = sessions
        self.sync = None

    def take_all(self, language: str, out: Path) -> dict[str, Path]:
        from crmdesk.ui.main_window import MainWindow

        window = MainWindow(
            self.runner, self.events, self.settings, self.translators, sync=self.sync
        )
        window.start()
        if self.sync is not None:
            # No automatic round: the pictures show the state read from the store.
            self.sync.timer.stop()
        # start() restores the geometry the previous language's window saved.
        window.resize(*WINDOW_SIZE)
        window.show()
        self.settle()
        shots = {"board": self.board(window, language, out)}
        shots["outcome"] = self.outcome(window, language, out)
        shots["review"] = self.review(window, language, out)
        shots["customers"] = self.customers(window, language, out)
        shots.update(self.approvals(window, language, out))
        if self.sync is not None:
            shots["sync-status"] = self.save(
                window.statusBar(), "sync-status", language, out
            )
            shots["sync-issues"] = self.sync_issues(window, language, out)
        window.close()
        window.deleteLater()
        self.settle()
        if self.sync is not None:
            self.sync.shutdown()
        return shots

    def sync_issues(self, window, language: str, out: Path) -> Path:
        from PySide6.QtCore import Qt

        window.detail.hide()
        window.show_sync_issues()
        self.settle()
        panel = window.sync_issues
        for _ in range(50):
            if panel.issues():
                break
            self.settle()
        window.resizeDocks([panel], [330], Qt.Orientation.Vertical)
        self.settle()
        path = self.save(window, "sync-issues", language, out)
        panel.hide()
        return path

    def settle(self) -> None:
        """Let queued tasks, their callbacks and the layout finish."""
        for _ in range(3):
            self.runner.wait_idle(30_000)
            while self.sync is not None and not self.sync.is_idle():
                self.app.processEvents()
            self.app.processEvents()

    def save(self, widget, name: str, language: str, out: Path) -> Path:
        path = out / f"{name}.{language}.png"
        if not widget.grab().save(str(path), "PNG", 9):
            raise SystemExit(f"could not write {path}: check that the folder exists")
        return path

    def board(self, window, language: str, out: Path) -> Path:
        deal_id = self.open_deal_id(window)
        if deal_id is not None:
            window.detail.show_deal(deal_id)
            window.detail.show()
        self.settle()
        return self.save(window, "board", language, out)

    def customers(self, window, language: str, out: Path) -> Path:
        """Save the customer board with a customer's state history open."""
        window.detail.hide()
        window.actions_.customer_board.trigger()
        self.settle()
        model = window.customer_board.model
        model.set_today(TODAY)
        # A customer past the first states has a history of several rows.
        later = [state for state in model.states() if state.position >= 3]
        cards = [card for state in later for card in model.visible_cards(state.id)]
        if cards:
            window.customer_detail.show_customer(cards[0].id)
            self.settle()
            window.customer_detail.tabs.setCurrentIndex(2)
        self.settle()
        path = self.save(window, "customers", language, out)
        window.customer_detail.hide()
        window.actions_.customer_board.trigger()
        self.settle()
        return path

    def open_deal_id(self, window):
        board = window.switcher.current_board()
        if board is None:
            return None
        for stage in board.model.stages():
            cards = board.model.visible_cards(stage.id)
            if cards:
                return cards[0].id
        return None

    def outcome(self, window, language: str, out: Path) -> Path:
        from decimal import Decimal

        from crmdesk.domain.playbook import OutcomeResult
        from crmdesk.services.lookups import list_reasons
        from crmdesk.ui.dialogs.outcome import OutcomeDialog

        series = window.switcher.current_series()
        assert series is not None, "the demo store has no series"
        with self.sessions() as session:
            reasons = list_reasons(session, series.id)
        dialog = OutcomeDialog(
            deal_title="Smart classroom upgrade"
            if language == "en"
            else "智慧教室升级",
            result=OutcomeResult.WON,
            reasons=reasons,
            expected_amount=Decimal("186000"),
            currency="CNY",
            language=language,
            today=TODAY,
            parent=window,
        )
        dialog.show()
        self.settle()
        path = self.save(dialog, "outcome", language, out)
        dialog.close()
        dialog.deleteLater()
        return path

    def review(self, window, language: str, out: Path) -> Path:
        from crmdesk.ui.review.window import ReviewWindow

        review = ReviewWindow(self.runner, self.events, language, window, today=TODAY)
        review.resize(*WINDOW_SIZE)
        review.show()
        self.settle()
        path = self.save(review, "review", language, out)
        review.close()
        review.deleteLater()
        return path

    def approvals(self, window, language: str, out: Path) -> dict[str, Path]:
        """Save the teaching lead's approvals inbox and a deal's Approvals tab.

        The demo's current user leads a team whose series asks for no approval,
        so the store acts as the teaching team's lead for these two pictures.
        """
        from PySide6.QtCore import Qt
        from sqlalchemy import select

        from crmdesk.services.people import find_user
        from crmdesk.services.workspace import current_user_id, set_current_user
        from crmdesk.storage.models import Approval

        with self.sessions.begin() as session:
            before = current_user_id(session)
            set_current_user(session, find_user(session, "li.na").id)
            reopened = session.scalars(
                select(Approval.opportunity_id)
                .where(Approval.status == "invalidated")
                .order_by(Approval.id)
                .limit(1)
            ).first()
        shots = {}
        inbox = window.open_approvals()
        inbox.resize(*WINDOW_SIZE)
        self.settle()
        inbox.table.selectRow(0)
        self.settle()
        shots["approvals-inbox"] = self.save(inbox, "approvals-inbox", language, out)
        inbox.close()
        if reopened is not None:
            series = next(
                s for s in window.switcher.series() if s.key == "trial-conversion"
            )
            window.switcher.show_series(series.id)
            window.detail.show_deal(reopened)
            window.detail.show()
            self.settle()
            window.detail.tabs.setCurrentIndex(3)
            window.resizeDocks([window.detail], [460], Qt.Orientation.Horizontal)
            self.settle()
            shots["approvals-deal"] = self.save(window, "approvals-deal", language, out)
        if before is not None:
            with self.sessions.begin() as session:
                set_current_user(session, before)
        return shots


if __name__ == "__main__":
    sys.exit(main())
