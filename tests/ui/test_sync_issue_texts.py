"""The sync issues panel's own texts: explanations, details and record names.

The issues are recorded in a real store as a sync round records them, with the
server's English message. The expected Chinese and English sentences are written
out by hand here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from helpers.board_ui import Store
from sqlalchemy import select

from crmdesk.app import sync_hooks
from crmdesk.services.deals import NewCustomer, create_customer
from crmdesk.services.workspace import ensure_user
from crmdesk.storage.models import ChecklistAction, Reason
from crmdesk.sync import local
from crmdesk.ui.i18n import Translators
from crmdesk.ui.sync.issues_panel import SyncIssuesPanel
from crmdesk.ui.sync.runner import SyncRunner

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]

UNKNOWN_ID = "0190c2a4-7b1e-7000-8000-00000000beef"


@pytest.fixture
def translators(qapp: Any) -> Iterator[Translators]:
    installed = Translators(qapp)
    installed.install("zh_CN")
    yield installed
    installed.remove()


@pytest.fixture
def wang(store: Store) -> uuid.UUID:
    """A second user of the store, login ``wang``, shown as 王芳."""
    with store.sessions.begin() as session:
        return ensure_user(session, "wang", "王芳").id


@pytest.fixture
def sync(qapp: Any, store: Store, tmp_path: Any) -> Iterator[SyncRunner]:
    runner = SyncRunner(sync_hooks(tmp_path / "data", store.sessions))
    yield runner
    runner.shutdown()


def _panel(qtbot: Any, sync: SyncRunner, language: str) -> SyncIssuesPanel:
    panel = SyncIssuesPanel(sync, None, language)
    qtbot.addWidget(panel)
    panel.show()
    panel.reload()
    qtbot.waitUntil(sync.is_idle, timeout=10_000)
    return panel


def _add_issue(store: Store, **values: Any) -> uuid.UUID:
    values.setdefault("table_name", "opportunities")
    values.setdefault("row_id", uuid.uuid4())
    with store.engine.begin() as connection:
        return local.add_issue(connection, **values)


# Each case: the issue's fields, the Chinese explanation, and whether the server's
# message is shown at once because only the server knows the reason.
CASES = [
    pytest.param(
        {
            "kind": "conflict",
            "field": "amount_minor",
            "mine": 150000,
            "theirs": 90000,
            "base": 100000,
            "other_login": "wang",
            "message": "changed by wang since you last synced; the server value stays",
        },
        "王芳（wang）在您上次同步后，在服务器上修改了“金额”。"
        "保留服务器的值，您的修改没有生效。",
        False,
        id="conflict",
    ),
    pytest.param(
        {
            "kind": "conflict",
            "field": "stage_id",
            "mine": UNKNOWN_ID,
            "theirs": UNKNOWN_ID,
            "message": "changed by someone since you last synced; the server value "
            "stays",
        },
        "其他用户在您上次同步后，在服务器上把此商机移到了另一个阶段。"
        "商机保留在服务器上的阶段，同一操作中的其他更改（例如成交结果）也都没有生效。",
        False,
        id="stage-conflict-without-login",
    ),
    pytest.param(
        {
            "kind": "also_edited",
            "field": "notes",
            "mine": "Bring the contract",
            "theirs": "Meeting moved",
            "other_login": "ann",
            "kept": "mine",
            "message": "also edited by ann; the later edit by the hybrid clock is kept",
        },
        "ann也在服务器上修改了“备注”。您的修改较晚，因此保留了您的值。",
        False,
        id="also-edited-mine-kept",
    ),
    pytest.param(
        {
            "kind": "also_edited",
            "field": "notes",
            "mine": "Bring the contract",
            "theirs": "Meeting moved",
            "other_login": "wang",
            "kept": "theirs",
            "message": "also edited by wang; the later edit by the hybrid clock is "
            "kept",
        },
        "王芳（wang）也在服务器上修改了“备注”。对方的修改较晚，因此保留了对方的值。",
        False,
        id="also-edited-theirs-kept",
    ),
    pytest.param(
        {
            "kind": "also_edited",
            "field": "notes",
            "mine": "Bring the contract",
            "theirs": "Meeting moved",
            "message": "also edited by wang; the later edit by the hybrid clock is "
            "kept",
        },
        "其他用户也在服务器上修改了“备注”。保留了两次修改中较晚的一次。",
        False,
        id="also-edited-recorded-before-kept-was-stored",
    ),
    pytest.param(
        {
            "kind": "deleted",
            "mine": {"notes": "Call back"},
            "theirs": "2025-06-16T09:30:00",
            "other_login": "wang",
            "message": "the row was deleted on the server; restore it to keep this "
            "edit",
        },
        "王芳（wang）在您修改此记录期间，在服务器上删除了它，因此您的修改没有生效。"
        "选择“恢复”可以连同您的修改一起恢复该记录。",
        False,
        id="deleted",
    ),
    pytest.param(
        {
            "kind": "not_permitted",
            "mine": {"notes": "Call back"},
            "message": "the row is not on the server or no longer yours to change",
        },
        "服务器没有应用此更改：该记录不在服务器上，或者您无权修改它。",
        False,
        id="not-permitted",
    ),
    pytest.param(
        {
            "kind": "no_longer_visible",
            "mine": {"notes": "Call back"},
            "message": "this row is no longer yours (reassigned or moved to another "
            "team); your unsent changes to it are kept here",
        },
        "此记录已被重新分配或转到其他团队，不再属于您。您尚未发送的更改保留在这里。",
        False,
        id="no-longer-visible",
    ),
    pytest.param(
        {
            "kind": "parent_deleted",
            "mine": {"title": "For Acme"},
            "message": "saved, but the record it belongs to was deleted on the server",
        },
        "您的记录已保存，但它所属的客户或商机已在服务器上被删除。",
        False,
        id="parent-deleted",
    ),
    pytest.param(
        {
            "kind": "group_rejected",
            "table_name": "outcomes",
            "mine": {"result": "lost"},
            "message": "not applied: another change made in the same action was "
            "refused",
        },
        "此更改没有生效，因为同一操作中的另一项更改被服务器拒绝。那项更改另有一条同步问题。",
        False,
        id="group-rejected",
    ),
    pytest.param(
        {
            "kind": "rejected",
            "sqlstate": "23505",
            "message": 'duplicate key value violates unique constraint "uq_external"',
        },
        "服务器拒绝了此更改，因为另一条记录已有相同的值。",
        False,
        id="rejected-unique",
    ),
    pytest.param(
        {
            "kind": "rejected",
            "sqlstate": "23503",
            "message": "insert or update violates foreign key constraint",
        },
        "服务器拒绝了此更改，因为它引用的记录不在服务器上。",
        False,
        id="rejected-foreign-key",
    ),
    pytest.param(
        {
            "kind": "rejected",
            "sqlstate": "23514",
            "message": 'new row violates check constraint "ck_probability"',
        },
        "服务器拒绝了此更改，因为某个值不符合服务器的规则。",
        False,
        id="rejected-check",
    ),
    pytest.param(
        {
            "kind": "rejected",
            "sqlstate": "P0001",
            "message": "table audit_log is not synced: this change cannot be sent",
        },
        "服务器拒绝了此更改。服务器给出的原因见“详细信息”。",
        True,
        id="rejected-raised-by-the-server",
    ),
    pytest.param(
        {"kind": "quarantined", "message": "held for review by an administrator"},
        "服务器没有按原样接受此更改。服务器给出的原因见“详细信息”。",
        True,
        id="kind-unknown-to-this-version",
    ),
]


@pytest.mark.parametrize(("fields", "expected", "details_open"), CASES)
def test_explanation_in_chinese(
    qtbot, store, wang, sync, translators, fields, expected, details_open
):
    _add_issue(store, **fields)
    panel = _panel(qtbot, sync, "zh_CN")
    assert len(panel.issues()) == 1

    assert panel.explanation_label.text() == expected
    assert panel.explanation_label.toolTip() == fields["message"]
    details = "服务器消息：" + fields["message"]
    if "sqlstate" in fields:
        details += "\nPostgreSQL 错误代码：" + fields["sqlstate"]
    assert panel.details_label.text() == details
    assert panel.details_button.text() == "详细信息"
    assert panel.details_button.isVisibleTo(panel)
    assert panel.details_button.isChecked() is details_open
    assert panel.details_label.isVisibleTo(panel) is details_open


def test_details_open_on_click(qtbot, store, sync, translators):
    _add_issue(
        store,
        kind="not_permitted",
        mine={"notes": "Call back"},
        message="the row is not on the server or no longer yours to change",
    )
    panel = _panel(qtbot, sync, "zh_CN")
    assert not panel.details_label.isVisibleTo(panel)

    panel.details_button.click()
    assert panel.details_label.isVisibleTo(panel)
    assert panel.details_label.text() == (
        "服务器消息：the row is not on the server or no longer yours to change"
    )
    panel.details_button.click()
    assert not panel.details_label.isVisibleTo(panel)


def test_issue_without_message_has_no_details(qtbot, store, sync, translators):
    _add_issue(store, kind="not_permitted", mine={"notes": "Call back"})
    panel = _panel(qtbot, sync, "zh_CN")
    assert panel.explanation_label.text() == (
        "服务器没有应用此更改：该记录不在服务器上，或者您无权修改它。"
    )
    assert not panel.details_button.isVisibleTo(panel)
    assert not panel.details_label.isVisibleTo(panel)


def test_stage_conflict_shows_stage_names(qtbot, store, sync, translators):
    series = store.series("open-sales")
    propose = series.stage_by_key("propose").id
    negotiate = series.stage_by_key("negotiate").id
    deal = store.add_deal("open-sales", "Campus licence", "1000")
    _add_issue(
        store,
        kind="conflict",
        row_id=deal,
        field="stage_id",
        mine=str(propose),
        # The local outbox writes ids as 32 hex digits without dashes.
        theirs=negotiate.hex,
        base=UNKNOWN_ID,
        other_login="wang",
        message="changed by wang since you last synced; the server value stays",
    )
    panel = _panel(qtbot, sync, "zh_CN")
    assert panel.table.item(0, 1).text() == "Campus licence"
    assert panel.table.item(0, 1).toolTip() == str(deal)
    assert panel.table.item(0, 2).text() == "阶段"
    assert panel.mine_view.toPlainText() == "方案报价"
    assert panel.theirs_view.toPlainText() == "商务谈判"
    assert panel.base_view.toPlainText() == f"未知阶段（{UNKNOWN_ID}）"

    translators.install("en")
    panel.set_language("en")
    assert panel.mine_view.toPlainText() == "Propose"
    assert panel.theirs_view.toPlainText() == "Negotiate"
    assert panel.base_view.toPlainText() == f"unknown stage ({UNKNOWN_ID})"
    assert panel.table.item(0, 2).text() == "Stage"
    # ``wang`` is not a user of this store, so the panel shows the login alone.
    assert panel.explanation_label.text() == (
        "wang moved this deal to another stage on the server after your last "
        "sync. The deal stays in the server's stage, and nothing else of the "
        "same action (such as an outcome) was applied."
    )


def test_refused_rows_show_names_of_ids(qtbot, store, wang, sync, translators):
    series = store.series("open-sales")
    with store.sessions.begin() as session:
        customer = create_customer(
            session, NewCustomer("华东师范大学"), store.actor()
        ).id
        competitor = session.scalar(
            select(Reason.id).where(
                Reason.series_id == series.id, Reason.key == "competitor"
            )
        )
        send_proposal = session.scalar(
            select(ChecklistAction.id).where(ChecklistAction.key == "send-proposal")
        )
    deal = store.add_deal("open-sales", "Campus licence", "1000")
    unknown_product = uuid.uuid4()
    _add_issue(
        store,
        kind="not_permitted",
        row_id=deal,
        mine={
            "title": "Campus licence",
            "owner_id": str(wang),
            "customer_id": customer.hex,
            "product_id": str(unknown_product),
            "manual_probability": 40,
        },
        message="you may not change this row",
    )
    _add_issue(
        store,
        kind="group_rejected",
        table_name="outcomes",
        mine={"result": "lost", "reason_id": str(competitor)},
        message="not applied: another change made in the same action was refused",
    )
    _add_issue(
        store,
        kind="not_permitted",
        table_name="checklist_items",
        mine={"done": True, "action_id": str(send_proposal)},
        message="the row is not on the server or you may not change it",
    )
    panel = _panel(qtbot, sync, "zh_CN")
    issues = panel.issues()
    assert len(issues) == 3

    panel.select_issue(issues[0].id)
    assert panel.table.item(0, 1).text() == "Campus licence"
    assert panel.mine_view.toPlainText() == (
        "标题：Campus licence\n"
        "负责人：王芳\n"
        "客户：华东师范大学\n"
        f"产品：未知产品（{unknown_product}）\n"
        "赢率：40"
    )
    panel.select_issue(issues[1].id)
    assert panel.mine_view.toPlainText() == "结果：lost\n原因：选择了竞争对手"
    panel.select_issue(issues[2].id)
    assert panel.mine_view.toPlainText() == "已完成：是\n检查清单动作：发送方案"

    translators.install("en")
    panel.set_language("en")
    assert panel.mine_view.toPlainText() == "Done: Yes\nChecklist action: Send proposal"
    panel.select_issue(issues[1].id)
    assert panel.mine_view.toPlainText() == "Result: lost\nReason: Chose a competitor"
