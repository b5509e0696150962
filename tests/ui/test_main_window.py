"""Main window: one board per series, the filter bar, status bar, language switch."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt

from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import NewOpportunity, create_opportunity
from crmdesk.services.workspace import ensure_user
from crmdesk.storage.models import Opportunity
from crmdesk.ui.combo import find_data

pytestmark = [
    pytest.mark.gui,
    # Qt's offscreen platform warns when a shown window changes its size hints
    # or is raised, since it has no window system to pass them to.
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]

# Deals of the open-sales series: title, owner login, expected close, stage key.
DEALS = [
    ("Laptops for Riverside school", "lin", date(2025, 3, 10), "qualify"),
    ("Projectors for Riverside", "chen", date(2025, 4, 2), "qualify"),
    ("Printers for Harbor Ltd", "lin", date(2025, 5, 20), "propose"),
    ("Tablets for Harbor Ltd", "chen", None, "propose"),
    ("Cables", "chen", date(2025, 3, 28), "negotiate"),
]


def add_deals(store, deals=DEALS) -> dict[str, uuid.UUID]:
    """Create ``deals`` in open-sales and return the user ids by login."""
    series = store.series("open-sales")
    with store.sessions.begin() as session:
        users = {
            "lin": ensure_user(session, "lin", "Lin Wei").id,
            "chen": ensure_user(session, "chen", "Chen Jie").id,
        }
        actor = Actor(store.user_id, ChangeSource.CLI)
        for title, owner, close, stage in deals:
            create_opportunity(
                session,
                NewOpportunity(
                    series_id=series.id,
                    title=title,
                    amount=Decimal(100),
                    expected_close=close,
                    owner_id=users[owner],
                    stage_id=series.stage_by_key(stage).id,
                ),
                actor,
            )
    return users


def expected_counts(keep) -> dict[str, int]:
    """Count the deals of ``DEALS`` that ``keep`` accepts, by stage key."""
    counts = {"qualify": 0, "propose": 0, "negotiate": 0, "won": 0, "lost": 0}
    for deal in DEALS:
        if keep(deal):
            counts[deal[3]] += 1
    return counts


def shown_counts(window) -> dict[str, int]:
    board = window.switcher.current_board()
    series = window.switcher.current_series()
    return {
        stage.key: board.model.stage_totals(stage.id).count for stage in series.stages
    }


def header_counts(window) -> list[str]:
    board = window.switcher.current_board()
    return [header.text() for header in board.columns.headers()]


def test_one_board_per_series(main_window, store, qtbot, runner):
    tabs = main_window.switcher.tab_bar

    assert tabs.count() == 2
    assert tabs.tabText(0) == "Open sales"
    assert tabs.tabText(1) == "Gated sales"
    assert main_window.switcher.current_series().key == "open-sales"


def test_ctrl_2_switches_series(main_window, store, qtbot, runner):
    gated = store.series("gated-sales")

    qtbot.keyClick(main_window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert runner.wait_idle()

    assert main_window.switcher.current_series().id == gated.id
    board = main_window.switcher.current_board()
    assert board.series_id == gated.id
    assert [s.id for s in board.stages()] == [s.id for s in gated.stages]
    assert main_window.switcher.stack.currentWidget() is board


def test_switch_remembers_last_series(main_window, store, runner, shell_settings):
    gated = store.series("gated-sales")

    main_window.switcher.show_series(gated.id)
    assert runner.wait_idle()

    assert shell_settings.last_series_id == gated.id


def test_filter_by_owner(main_window, store, runner):
    users = add_deals(store)
    main_window.reload()
    assert runner.wait_idle()
    bar = main_window.filter_bar

    bar.owner_combo.setCurrentIndex(find_data(bar.owner_combo, users["chen"]))

    assert shown_counts(main_window) == expected_counts(lambda d: d[1] == "chen")
    assert main_window.deals_label.text() == "3 of 5 deals shown"


def test_filter_by_close_range(main_window, store, runner):
    add_deals(store)
    main_window.reload()
    assert runner.wait_idle()
    bar = main_window.filter_bar
    start, end = date(2025, 3, 1), date(2025, 3, 31)

    bar.close_from.set_value(start)
    bar.close_to.set_value(end)

    expected = expected_counts(lambda d: d[2] is not None and start <= d[2] <= end)
    assert shown_counts(main_window) == expected
    assert "1 deal" in header_counts(main_window)[0]

    bar.close_from.clear()
    bar.close_to.clear()

    assert shown_counts(main_window) == expected_counts(lambda d: True)


def test_search_box_filters(main_window, store, runner, qtbot):
    add_deals(store)
    main_window.reload()
    assert runner.wait_idle()

    main_window.actions_.find.trigger()
    qtbot.keyClicks(main_window.filter_bar.search_edit, "harbor")
    qtbot.waitUntil(
        lambda: main_window.deals_label.text() == "2 of 5 deals shown", timeout=2000
    )

    assert main_window.filter_bar.search_edit.hasFocus()
    assert shown_counts(main_window) == expected_counts(
        lambda d: "harbor" in d[0].casefold()
    )
    assert "2 deals" in header_counts(main_window)[1]


def test_filter_applies_after_switch(main_window, store, runner):
    add_deals(store)
    main_window.filter_bar.search_edit.setText("nothing matches this")
    main_window.filter_bar.search_edit.returnPressed.emit()

    main_window.switcher.show_index(1)
    assert runner.wait_idle()
    main_window.switcher.show_index(0)
    main_window.reload()
    assert runner.wait_idle()

    assert sum(shown_counts(main_window).values()) == 0


def test_status_bar_shows_base_currency(main_window):
    assert main_window.currency_label.text() == "Base currency: USD"


def test_move_menu_lists_stages(main_window, store, runner):
    add_deals(store)
    main_window.reload()
    assert runner.wait_idle()
    series = store.series("open-sales")

    main_window.actions_.move_menu.aboutToShow.emit()

    texts = [a.text() for a in main_window.actions_.move_menu.actions()]
    assert texts[: len(series.stages)] == [s.name.en for s in series.stages]


def test_move_selected_moves_deals(main_window, store, runner, qtbot):
    add_deals(store)
    main_window.reload()
    assert runner.wait_idle()
    series = store.series("open-sales")
    qualify = series.stage_by_key("qualify").id
    propose = series.stage_by_key("propose").id
    board = main_window.switcher.current_board()
    chosen = [card.id for card in board.model.visible_cards(qualify)]
    selection = board.columns.selection_model
    for deal_id in chosen:
        selection.select(
            board.model.deal_index(deal_id), selection.SelectionFlag.Select
        )
    assert sorted(board.selected_deal_ids()) == sorted(chosen)

    main_window.actions_.move_menu.aboutToShow.emit()
    action = main_window.actions_.move_menu.actions()[1]
    assert action.text() == "Propose"
    action.trigger()
    assert runner.wait_idle()

    with store.sessions() as session:
        stages = {
            deal_id: session.get(Opportunity, deal_id).stage_id for deal_id in chosen
        }
    assert stages == dict.fromkeys(chosen, propose)
    assert board.model.stage_totals(propose).count == 2 + len(chosen)


def test_export_png_writes_image(main_window, store, runner, tmp_path, monkeypatch):
    add_deals(store)
    main_window.reload()
    assert runner.wait_idle()
    target = tmp_path / "board.png"
    monkeypatch.setattr(
        "crmdesk.ui.main_window.QFileDialog.getSaveFileName",
        lambda *args, **kwargs: (str(target), ""),
    )

    main_window.actions_.export_png.trigger()

    assert target.read_bytes().startswith(b"\x89PNG")


def test_language_switch_to_chinese(main_window, qtbot):
    main_window.set_language("zh_CN")
    # Qt delivers LanguageChange events through the event loop.
    qtbot.waitUntil(lambda: main_window.actions_.file_menu.title() == "文件(&F)")

    assert main_window.actions_.new_deal.text() == "新建商机(&N)…"
    assert main_window.switcher.tab_bar.tabText(0) == "开放销售"
    assert main_window.filter_bar.owner_combo.itemText(0) == "全部负责人"
    assert main_window.currency_label.text() == "本位币：USD"

    main_window.set_language("en")
    qtbot.waitUntil(lambda: main_window.actions_.file_menu.title() == "&File")

    assert main_window.switcher.tab_bar.tabText(0) == "Open sales"


def test_language_setting_is_saved(main_window, shell_settings, tmp_path):
    main_window.apply_language_setting("zh_CN")

    assert shell_settings.language == "zh_CN"
    assert '"language": "zh_CN"' in shell_settings.path.read_text(encoding="utf-8")
    assert main_window.language == "zh_CN"
    main_window.apply_language_setting("en")


def test_close_saves_geometry(main_window, shell_settings):
    main_window.close()

    assert shell_settings.get("window_geometry")
    assert "window_geometry" in shell_settings.path.read_text(encoding="utf-8")


def test_qdate_sentinel_is_empty(qtbot):
    from crmdesk.ui.date_edit import OptionalDateEdit

    edit = OptionalDateEdit()
    qtbot.addWidget(edit)

    assert edit.value() is None
    edit.set_value(date(2025, 2, 3))
    assert edit.value() == date(2025, 2, 3)
    assert edit._edit.date() == QDate(2025, 2, 3)
    edit.clear()
    assert edit.value() is None


def test_squeezed_geometry_gets_default_size(
    qtbot, runner, events, shell_settings, shell_translators
):
    from crmdesk.ui.main_window import MainWindow

    small = MainWindow(runner, events, shell_settings, shell_translators)
    qtbot.addWidget(small)
    small.resize(500, 180)
    geometry = small.saveGeometry().toBase64().data().decode("ascii")
    shell_settings.set("window_geometry", geometry)

    window = MainWindow(runner, events, shell_settings, shell_translators)
    qtbot.addWidget(window)
    window.start()
    assert runner.wait_idle()

    assert window.width() >= 1280
    assert window.height() >= 800


def test_opens_on_the_series_of_the_users_team(
    qtbot, store, runner, events, shell_settings, shell_translators
):
    from sqlalchemy import select

    from crmdesk.domain.playbook_file import shipped_playbook
    from crmdesk.services.playbook_install import install_playbook
    from crmdesk.storage.models import Team, User
    from crmdesk.ui.main_window import MainWindow

    # A synced store contains every team's playbooks. Education's series sort
    # first, but Lin works in the sales team of the test playbook.
    with store.sessions.begin() as session:
        install_playbook(session, shipped_playbook("education"))
        sales = session.scalars(select(Team).where(Team.key == "sales")).one()
        session.get(User, store.user_id).team_id = sales.id
    # The settings remember a series of another store on this laptop.
    shell_settings.set("last_series_id", str(uuid.uuid4()))

    window = MainWindow(runner, events, shell_settings, shell_translators)
    qtbot.addWidget(window)
    window.start()
    assert runner.wait_idle()

    assert window.switcher.tab_bar.tabText(0) == "New customer"
    assert window.switcher.current_series().key == "open-sales"


def test_times_show_in_the_business_time_zone(
    qtbot, store, runner, events, shell_settings, shell_translators
):
    from datetime import UTC, datetime

    from crmdesk.services.workspace import set_business_time_zone
    from crmdesk.ui.formatting import instant_text
    from crmdesk.ui.main_window import MainWindow
    from crmdesk.ui.timeline.texts import short_instant

    with store.sessions.begin() as session:
        set_business_time_zone(session, "Asia/Shanghai")
    window = MainWindow(runner, events, shell_settings, shell_translators)
    qtbot.addWidget(window)
    window.start()
    assert runner.wait_idle()

    # 01:30 UTC is 09:30 in Shanghai (UTC+8, no daylight saving), the time a rep
    # typed in the activity dialog, whatever zone this computer is set to.
    due = datetime(2027, 3, 1, 1, 30, tzinfo=UTC)
    assert short_instant(due) == "03-01 09:30"
    assert instant_text(due) == "2027-03-01 09:30"
