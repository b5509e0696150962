"""``crmdesk leads``: import, list, add, merge, convert, discard and clear-flag."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crmdesk.cli import run
from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.services.playbooks import install_playbook
from crmdesk.storage.db import open_store
from crmdesk.storage.models import Customer, Lead, Opportunity


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    engine, sessions = open_store(folder / "crmdesk.sqlite3")
    try:
        with sessions.begin() as session:
            install_playbook(session, shipped_playbook("b2b"))
    finally:
        engine.dispose()
    return folder


def crm(data_dir: Path, *args: str) -> int:
    return run(["--data-dir", str(data_dir), "--language", "en", *args])


def leads_json(data_dir: Path, capsys: Any, *args: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert crm(data_dir, "leads", "list", "--format", "json", *args) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_import_prints_lines_and_report(
    data_dir: Path, tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(
        "公司,联系人,手机\n星辰科技,王芳,13900139000\n博远,赵敏,1390013900\n"
        "星辰科技有限公司,王芳,+86 139 0013 9000\n".encode("gbk")
    )
    report = tmp_path / "report.csv"
    status = crm(data_dir, "leads", "import", str(path), "--report", str(report))
    out = capsys.readouterr().out
    assert status == 0
    assert "(gbk): 3 rows" in out
    assert "imported         1" in out
    assert "flagged          1" in out
    assert "rejected         1" in out
    assert "line 3: rejected: invalid phone number '1390013900'" in out
    assert "line 4: flagged: possible duplicate: same phone +8613900139000" in out
    assert report.is_file()

    records = leads_json(data_dir, capsys)
    assert sorted(r["status"] for r in records) == ["flagged", "new"]
    flagged = next(r for r in records if r["status"] == "flagged")
    assert flagged["flags"][0]["field"] == "phone"
    assert flagged["flags"][0]["record"] == "lead"


def test_import_with_mapping_file(data_dir: Path, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "expo.csv"
    path.write_text("Org,Who,Mail\nAcme,Li Wei,li@acme.cn\n", encoding="utf-8")
    mapping = tmp_path / "expo.toml"
    mapping.write_text(
        '[columns]\ncompany = "Org"\nperson = "Who"\nemail = "Mail"\n'
        '[defaults]\nsource = "Expo"\n',
        encoding="utf-8",
    )
    assert crm(data_dir, "leads", "import", str(path), "--mapping", str(mapping)) == 0
    records = leads_json(data_dir, capsys)
    assert [(r["company"], r["source"]) for r in records] == [("Acme", "Expo")]


def test_bad_mapping_exits_1(data_dir: Path, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "expo.csv"
    path.write_text("Org\nAcme\n", encoding="utf-8")
    mapping = tmp_path / "expo.toml"
    mapping.write_text('[columns]\ncompany = "Firm"\n', encoding="utf-8")
    assert crm(data_dir, "leads", "import", str(path), "--mapping", str(mapping)) == 1
    assert "no column 'Firm'" in capsys.readouterr().err


def test_add_merge_convert(data_dir: Path, capsys: Any) -> None:
    assert crm(data_dir, "leads", "add", "--company", "Acme", "--phone",
               "13800138000", "--source", "Website") == 0  # fmt: skip
    assert crm(data_dir, "leads", "add", "--company", "ACME Ltd", "--person",
               "Li Wei", "--email", "li@acme.cn", "--phone",
               "0086 13800138000") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "flagged: possible duplicate: same phone +8613800138000" in out
    records = leads_json(data_dir, capsys)
    keep = next(r for r in records if r["company"] == "Acme")
    other = next(r for r in records if r["company"] == "ACME Ltd")

    assert crm(data_dir, "leads", "merge", keep["id"], other["id"],
               "--take", "person", "--take", "email") == 0  # fmt: skip
    records = leads_json(data_dir, capsys)
    assert len(records) == 1
    assert records[0]["person"] == "Li Wei"
    assert records[0]["email"] == "li@acme.cn"
    assert records[0]["status"] == "new"
    merged = leads_json(data_dir, capsys, "--status", "merged")
    assert merged[0]["merged_into_id"] == keep["id"]

    assert crm(data_dir, "leads", "convert", keep["id"], "--series", "b2b-sales",
               "--amount", "2500") == 0  # fmt: skip
    engine, sessions = open_store(data_dir / "crmdesk.sqlite3")
    try:
        with sessions() as session:
            customer = session.scalars(select(Customer)).one()
            deal = session.scalars(select(Opportunity)).one()
            lead = session.get(Lead, customer.lead_id)
            assert lead is not None
            assert lead.status == "converted"
            assert customer.source == "Website"
            assert deal.customer_id == customer.id
            assert deal.source == "Website"
            assert deal.amount_minor == 250000
    finally:
        engine.dispose()


def test_invalid_add_exits_1(data_dir: Path, capsys: Any) -> None:
    assert crm(data_dir, "leads", "add", "--company", "Acme", "--phone",
               "1380013800") == 1  # fmt: skip
    assert "invalid phone number '1380013800'" in capsys.readouterr().err


def test_discard_and_clear_flag(data_dir: Path, capsys: Any) -> None:
    crm(data_dir, "leads", "add", "--person", "王芳", "--phone", "13900139000")
    crm(data_dir, "leads", "add", "--person", "王芳", "--email", "wf@x.cn")
    records = leads_json(data_dir, capsys)
    flagged = next(r for r in records if r["status"] == "flagged")
    assert crm(data_dir, "leads", "clear-flag", flagged["id"]) == 0
    assert crm(data_dir, "leads", "discard", flagged["id"], "--note", "spam") == 0
    assert (
        leads_json(data_dir, capsys, "--status", "discarded")[0]["id"]
        == (flagged["id"])
    )
    assert crm(data_dir, "leads", "discard", "nope") == 1
    assert "no lead matches 'nope'" in capsys.readouterr().err


def test_edit_changes_and_rechecks(data_dir: Path, capsys: Any) -> None:
    crm(data_dir, "leads", "add", "--company", "Acme", "--phone", "13800138000")
    crm(data_dir, "leads", "add", "--company", "Zenith", "--email", "z@zenith.cn")
    zenith = next(r for r in leads_json(data_dir, capsys) if r["company"] == "Zenith")

    code = crm(data_dir, "leads", "edit", zenith["id"], "--phone",
               "+86 138 0013 8000", "--job-title", "Principal")  # fmt: skip
    output = capsys.readouterr().out
    assert code == 0
    assert "it is flagged" in output
    assert "possible duplicate" in output
    edited = next(r for r in leads_json(data_dir, capsys) if r["company"] == "Zenith")
    assert edited["phone"] == "+8613800138000"
    assert edited["status"] == "flagged"

    assert crm(data_dir, "leads", "edit", zenith["id"], "--email", "bad@") == 1
    assert "invalid e-mail" in capsys.readouterr().err
    assert crm(data_dir, "leads", "edit", zenith["id"]) == 2
    assert "nothing to change" in capsys.readouterr().out


def test_list_table(data_dir: Path, capsys: Any) -> None:
    crm(data_dir, "leads", "add", "--company", "Acme", "--email", "a@acme.cn")
    capsys.readouterr()
    assert crm(data_dir, "leads", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "id", "status", "company", "person", "phone", "email", "source", "flag"
    ]  # fmt: skip
    assert "Acme" in lines[1]
    assert "a@acme.cn" in lines[1]
