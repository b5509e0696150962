"""Fixtures of the GUI tests: an offscreen Qt, a real store and a test playbook."""

from __future__ import annotations

import os

# Must be set before anything imports Qt, so the tests run without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.board_ui import TEST_PLAYBOOK, Store

from crmdesk.services.playbooks import install_playbook
from crmdesk.services.workspace import ensure_user, set_base_currency, set_current_user
from crmdesk.storage.db import open_store
from crmdesk.ui.events import EventHub
from crmdesk.ui.tasks import TaskRunner


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine, sessions = open_store(tmp_path / "crmdesk.sqlite3")
    with sessions.begin() as session:
        install_playbook(session, TEST_PLAYBOOK)
        set_base_currency(session, "USD")
        user = ensure_user(session, "lin", "Lin Wei")
        set_current_user(session, user.id)
        user_id = user.id
    yield Store(tmp_path / "crmdesk.sqlite3", engine, sessions, user_id)
    engine.dispose()


@pytest.fixture
def runner(qapp: Any, store: Store) -> Iterator[TaskRunner]:
    task_runner = TaskRunner(store.sessions)
    yield task_runner
    task_runner.wait_idle()
    task_runner.shutdown()


@pytest.fixture
def events() -> EventHub:
    return EventHub()


# Fixtures of the application shell: settings, translators and the main window.


@pytest.fixture
def shell_settings(tmp_path: Path) -> Any:
    from crmdesk.config.settings import Settings

    return Settings.load(tmp_path / "config")


@pytest.fixture
def shell_translators(qapp: Any) -> Iterator[Any]:
    from crmdesk.ui.i18n import Translators

    translators = Translators(qapp)
    translators.install("en")
    yield translators
    translators.remove()


@pytest.fixture
def main_window(
    qtbot: Any,
    store: Store,
    runner: TaskRunner,
    events: EventHub,
    shell_settings: Any,
    shell_translators: Any,
) -> Iterator[Any]:
    """A shown main window on the test store, with its series loaded.

    Teardown lets queued tasks finish before qtbot deletes the window, so no
    callback reaches a deleted widget.
    """
    from crmdesk.ui.main_window import MainWindow

    window = MainWindow(runner, events, shell_settings, shell_translators)
    qtbot.addWidget(window)
    window.start()
    window.show()
    assert runner.wait_idle()
    yield window
    runner.wait_idle()


@pytest.fixture(autouse=True)
def computer_display_zone() -> Iterator[None]:
    """Start and end each test with instants shown in the computer's zone.

    A main window sets the display zone to its store's business time zone, and
    the setting would otherwise leak into the next test.
    """
    from crmdesk.ui.formatting import set_display_zone

    set_display_zone(None)
    yield
    set_display_zone(None)
