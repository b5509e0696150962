"""The leads inbox window, its add, import, merge and convert dialogs, and the
New customer dialog's contact and duplicate warning, on a real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.customers import NewContact, NewCustomer, create_customer
from crmdesk.services.leads import NewLead, add_lead
from crmdesk.storage.models import Contact, Customer, Lead, Opportunity
from crmdesk.ui.dialogs.new_customer import NewCustomerDialog
from crmdesk.ui.leads.convert_dialog import ConvertDialog
from crmdesk.ui.leads.import_dialog import ImportLeadsDialog
from crmdesk.ui.leads.inbox import LeadsWindow
from crmdesk.ui.leads.lead_dialog import LeadDialog
from crmdesk.ui.leads.merge_dialog import MergeDialog

pytestmark = [
    pytest.mark.gui,
    # Windows and dialogs are shown; the offscreen platform cannot size or
    # raise them and warns, which is not a failure of the code under test.
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


def _actor(store: Any) -> Actor:
    return Actor(store.user_id, ChangeSource.FORM)


def _add(store: Any, **fields: str) -> Any:
    with store.sessions.begin() as session:
        lead, _ = add_lead(session, NewLead(**fields), _actor(store))
        return lead.id


@pytest.fixture
def inbox(
    qtbot: Any, store: Any, runner: Any, tmp_path: Path, shell_translators: Any
) -> LeadsWindow:
    window = LeadsWindow(runner, "en", tmp_path / "data")
    qtbot.addWidget(window)
    window.show()
    window.reload()
    assert runner.wait_idle()
    return window


def _row_texts(window: LeadsWindow, column: int) -> list[str]:
    model = window.model
    return [str(model.index(row, column).data()) for row in range(model.rowCount())]


def test_inbox_lists_flags(
    qtbot: Any, store: Any, runner: Any, tmp_path: Path, shell_translators: Any
) -> None:
    first = _add(store, company="Acme", phone="13800138000")
    second = _add(store, company="Zenith", phone="+86 138 0013 8000")
    window = LeadsWindow(runner, "en", tmp_path)
    qtbot.addWidget(window)
    window.reload()
    assert runner.wait_idle()

    assert _row_texts(window, 1) == ["Zenith", "Acme"]
    assert _row_texts(window, 0) == ["Flagged", "New"]
    assert _row_texts(window, 7)[0] == "Same phone +86 138 0013 8000 as lead “Acme”"
    assert window.count_label.text() == "2 leads, 1 flagged"

    assert window.select_lead(second)
    assert "Possible duplicate:" in window.flag_label.text()
    assert window.merge_button.isEnabled()
    assert window.clear_flag_button.isEnabled()
    assert window.select_lead(first)
    assert not window.merge_button.isEnabled()
    assert not window.clear_flag_button.isEnabled()


def test_inbox_status_filter_and_search(
    inbox: LeadsWindow, store: Any, runner: Any, qtbot: Any
) -> None:
    _add(store, company="Acme", phone="13800138000")
    _add(store, person="王芳", email="wf@x.cn")
    inbox.set_status_filter("flagged")
    assert runner.wait_idle()
    assert inbox.model.rowCount() == 0
    inbox.set_status_filter("inbox")
    assert runner.wait_idle()
    assert inbox.model.rowCount() == 2
    inbox.search_edit.setText("王")
    qtbot.waitUntil(lambda: inbox.model.rowCount() == 1)
    assert runner.wait_idle()
    assert _row_texts(inbox, 2) == ["王芳"]


def test_add_lead_dialog(
    inbox: LeadsWindow, store: Any, runner: Any, qtbot: Any
) -> None:
    inbox.open_add()
    dialog = inbox.dialog
    assert isinstance(dialog, LeadDialog)
    dialog.edits["company"].setText("Acme")
    dialog.edits["phone"].setText("1380013800")
    dialog.buttons.accepted.emit()
    assert "Invalid phone number “1380013800”" in dialog.error_label.text()

    dialog.edits["phone"].setText("0086 13800138000")
    dialog.edits["email"].setText("Li@Acme.CN")
    dialog.buttons.accepted.emit()
    assert runner.wait_idle()
    with store.sessions() as session:
        lead = session.scalars(select(Lead)).one()
    assert (lead.phone, lead.email, lead.status) == (
        "+8613800138000",
        "li@acme.cn",
        "new",
    )
    assert _row_texts(inbox, 1) == ["Acme"]


def test_merge_dialog_picks_values(inbox: LeadsWindow, store: Any, runner: Any) -> None:
    keep_id = _add(store, company="Acme", person="Li Wei", phone="13800138000")
    other_id = _add(
        store,
        company="ACME Co., Ltd.",
        person="Wei Li",
        phone="13900139000",
        email="li@acme.cn",
        source="Trade fair",
    )
    inbox.reload()
    assert runner.wait_idle()
    assert inbox.select_lead(other_id)
    inbox.open_merge()
    assert runner.wait_idle()
    dialog = inbox.dialog
    assert isinstance(dialog, MergeDialog)
    # The flagged lead is folded into the lead it matched.
    assert dialog.keep.id == keep_id
    assert dialog.other.id == other_id
    # Empty fields of the kept lead default to the other's values.
    assert dialog.taken_fields() == {"email", "source"}
    left, right = dialog.radios["phone"]
    assert (left.text(), right.text()) == ("+86 138 0013 8000", "+86 139 0013 9000")
    dialog.choose("phone", 1)
    dialog.choose("source", 0)
    dialog.merge_button.click()
    assert runner.wait_idle()

    with store.sessions() as session:
        keep = session.get(Lead, keep_id)
        other = session.get(Lead, other_id)
    assert keep is not None
    assert other is not None
    assert keep.phone == "+8613900139000"
    assert keep.email == "li@acme.cn"
    assert keep.source == ""
    assert "phone: +8613800138000" in keep.notes
    assert "source: Trade fair" in keep.notes
    assert "company: ACME Co., Ltd." in keep.notes
    assert other.status == "merged"
    assert other.merged_into_id == keep_id
    assert _row_texts(inbox, 1) == ["Acme"]
    assert _row_texts(inbox, 0) == ["New"]


def test_merge_dialog_swap(inbox: LeadsWindow, store: Any, runner: Any) -> None:
    _add(store, company="Acme", email="a@acme.cn")
    _add(store, company="Zenith", email="z@zenith.cn")
    inbox.reload()
    assert runner.wait_idle()
    inbox.table.selectAll()
    assert inbox.merge_button.isEnabled()
    inbox.open_merge()
    dialog = inbox.dialog
    assert isinstance(dialog, MergeDialog)
    assert (dialog.keep.company, dialog.other.company) == ("Acme", "Zenith")
    dialog.swap()
    assert (dialog.keep.company, dialog.other.company) == ("Zenith", "Acme")
    assert dialog.keep_header.text() == "<b>Keep:</b> Zenith"


def test_convert_dialog_creates_deal(
    inbox: LeadsWindow, store: Any, runner: Any
) -> None:
    lead_id = _add(
        store,
        company="Riverside School",
        person="Zhao Min",
        phone="13800138000",
        source="Website",
        campaign="Open day",
    )
    inbox.reload()
    assert runner.wait_idle()
    assert inbox.select_lead(lead_id)
    inbox.open_convert()
    dialog = inbox.dialog
    assert isinstance(dialog, ConvertDialog)
    assert runner.wait_idle()
    assert dialog.new_radio.isChecked()
    assert dialog.deal_box.isChecked()
    index = dialog.series_combo.findText("Open sales")
    dialog.series_combo.setCurrentIndex(index)
    dialog.amount_edit.setText("12x")
    dialog.convert_button.click()
    assert "Invalid amount “12x”" in dialog.error_label.text()
    dialog.amount_edit.setText("900")
    dialog.convert_button.click()
    assert runner.wait_idle()

    with store.sessions() as session:
        customer = session.scalars(select(Customer)).one()
        contact = session.scalars(select(Contact)).one()
        deal = session.scalars(select(Opportunity)).one()
        lead = session.get(Lead, lead_id)
    assert lead is not None
    assert (customer.name, customer.source, customer.campaign) == (
        "Riverside School",
        "Website",
        "Open day",
    )
    assert contact.name == "Zhao Min"
    assert (deal.customer_id, deal.contact_id) == (customer.id, contact.id)
    assert (deal.source, deal.campaign, deal.amount_minor) == (
        "Website",
        "Open day",
        90000,
    )
    assert lead.status == "converted"
    assert inbox.model.rowCount() == 0


def test_convert_flagged_into_customer(
    inbox: LeadsWindow, store: Any, runner: Any
) -> None:
    with store.sessions.begin() as session:
        customer = create_customer(
            session,
            NewCustomer(name="Acme", contact=NewContact("Li Wei", phone="13800138000")),
            _actor(store),
        )
        customer_id = customer.id
    lead_id = _add(store, company="Acme Ltd", person="Chen", phone="13900139000")
    inbox.reload()
    assert runner.wait_idle()
    assert inbox.select_lead(lead_id)
    inbox.open_convert()
    dialog = inbox.dialog
    assert isinstance(dialog, ConvertDialog)
    assert runner.wait_idle()
    # Flagged against a customer: that customer is offered first.
    assert dialog.existing_radio.isChecked()
    assert dialog.customer_combo.currentData() == customer_id
    assert "Company name similar to customer “Acme” (100%)" in (
        dialog.flag_label.text()
    )
    dialog.new_radio.setChecked(True)
    dialog.deal_box.setChecked(False)
    dialog.convert_button.click()
    assert "may be a duplicate" in dialog.error_label.text()
    dialog.existing_radio.setChecked(True)
    dialog.convert_button.click()
    assert runner.wait_idle()
    with store.sessions() as session:
        names = sorted(c.name for c in session.scalars(select(Contact)))
        assert len(session.scalars(select(Customer)).all()) == 1
    assert names == ["Chen", "Li Wei"]


def test_clear_flag_and_discard(inbox: LeadsWindow, store: Any, runner: Any) -> None:
    _add(store, company="Acme", phone="13800138000")
    flagged = _add(store, company="Zenith", phone="13800138000")
    inbox.reload()
    assert runner.wait_idle()
    assert inbox.select_lead(flagged)
    inbox.clear_flag_button.click()
    assert runner.wait_idle()
    assert _row_texts(inbox, 0) == ["New", "New"]
    inbox.discard(inbox.model.leads()[:1])
    assert runner.wait_idle()
    assert _row_texts(inbox, 1) == ["Acme"]
    inbox.set_status_filter("discarded")
    assert runner.wait_idle()
    assert _row_texts(inbox, 1) == ["Zenith"]


def test_import_dialog_lists_rows(
    inbox: LeadsWindow, store: Any, runner: Any, tmp_path: Path
) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(
        "公司,联系人,手机\n星辰科技,王芳,13900139000\n博远,赵敏,1390013900\n"
        "星辰科技有限公司,王芳,+86 139 0013 9000\n".encode("gbk")
    )
    inbox.open_import()
    dialog = inbox.dialog
    assert isinstance(dialog, ImportLeadsDialog)
    dialog.import_button.click()
    assert "Choose the file" in dialog.summary_label.text()
    dialog.file_edit.setText(str(path))
    dialog.import_button.click()
    assert runner.wait_idle()

    summary = dialog.summary_label.text()
    assert (
        "3 rows: 1 imported, 1 flagged as possible duplicates, 1 rejected." in summary
    )
    assert dialog.result is not None
    assert dialog.result.report_path is not None
    assert dialog.result.report_path.is_file()
    table = dialog.rows_table
    rows = [
        [table.item(row, column).text() for column in range(3)]
        for row in range(table.rowCount())
    ]
    assert rows[0][:2] == ["3", "Rejected"]
    assert "invalid phone number '1390013900'" in rows[0][2]
    assert rows[1][:2] == ["4", "Flagged"]
    assert sorted(_row_texts(inbox, 1)) == ["星辰科技", "星辰科技有限公司"]


def test_new_customer_contact_and_warning(qtbot: Any, store: Any, runner: Any) -> None:
    _add(store, company="Acme Trading", phone="13800138000")
    dialog = NewCustomerDialog(runner)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("ACME Trading Co., Ltd.")
    dialog.contact_name_edit.setText("Li Wei")
    dialog.contact_phone_edit.setText("+86 138-0013-8000")
    dialog.contact_email_edit.setText("li@@acme")
    dialog.buttons.accepted.emit()
    assert "Invalid e-mail address “li@@acme”" in dialog.error_label.text()

    dialog.contact_email_edit.setText("LI@ACME.CN")
    dialog.buttons.accepted.emit()
    assert runner.wait_idle()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert dialog.created_id is None
    assert save.text() == "Save anyway"
    warning = dialog.warning_label.text()
    assert "Same phone +86 138 0013 8000 as lead “Acme Trading”" in warning

    dialog.buttons.accepted.emit()
    assert runner.wait_idle()
    assert dialog.created_id is not None
    with store.sessions() as session:
        contact = session.scalars(select(Contact)).one()
    assert contact.customer_id == dialog.created_id
    assert (contact.phone, contact.email) == ("+8613800138000", "li@acme.cn")


def test_new_customer_warning_resets(qtbot: Any, store: Any, runner: Any) -> None:
    _add(store, company="Acme Trading", phone="13800138000")
    dialog = NewCustomerDialog(runner)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("Acme Trading")
    dialog.buttons.accepted.emit()
    assert runner.wait_idle()
    assert dialog.warning_label.isVisibleTo(dialog)
    dialog.name_edit.setText("Zenith Foods")
    assert not dialog.warning_label.isVisibleTo(dialog)
    dialog.buttons.accepted.emit()
    assert runner.wait_idle()
    assert dialog.created_id is not None


def test_main_window_opens_leads(main_window: Any, runner: Any) -> None:
    main_window.actions_.leads.trigger()
    assert runner.wait_idle()
    assert main_window.leads_window is not None
    assert main_window.leads_window.isVisible()
    assert main_window.actions_.leads.text() == "&Leads inbox"
