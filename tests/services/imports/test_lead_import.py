"""Lead import from CSV and .xlsx: flags, rejections, counts, reports, re-imports."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers.board_ui import TEST_PLAYBOOK
from openpyxl import Workbook
from sqlalchemy import select

from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.customers import NewContact, NewCustomer, create_customer
from crmdesk.services.imports.encoding import FileReadError
from crmdesk.services.imports.lead_mapping import load_lead_mapping
from crmdesk.services.imports.leads import import_leads
from crmdesk.services.imports.mapping import MappingError
from crmdesk.services.lead_conversion import ConvertOptions, convert_lead
from crmdesk.services.leads import LeadStatus, NewLead, add_lead
from crmdesk.services.playbooks import install_playbook
from crmdesk.services.workspace import ensure_user, set_current_user
from crmdesk.storage.models import Lead

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def actor(sessions: Any) -> Actor:
    with sessions.begin() as session:
        install_playbook(session, TEST_PLAYBOOK)
        user = ensure_user(session, "lin", "Lin Wei")
        set_current_user(session, user.id)
        return Actor(user.id, ChangeSource.IMPORT)


@pytest.fixture
def known_records(sessions: Any, actor: Actor) -> dict[str, Any]:
    """The records the hand-made file is checked against.

    Two customers with contacts, one open lead, and one lead converted into a
    customer with its contact.
    """
    with sessions.begin() as session:
        acme = create_customer(
            session,
            NewCustomer(
                name="ACME Trading Co., Ltd.",
                phone="13800138000",
                contact=NewContact("Li Wei", email="li.wei@acme.example"),
            ),
            actor,
        )
        xingchen = create_customer(
            session,
            NewCustomer(
                name="北京星辰科技有限公司",
                contact=NewContact("张伟", phone="13900000000"),
            ),
            actor,
        )
        harbor, _ = add_lead(
            session,
            NewLead(
                company="Harbor Logistics",
                person="Maria Garcia",
                phone="+1 650 253 0000",
                email="maria@harbor.example",
            ),
            actor,
        )
        zenith_lead, _ = add_lead(
            session,
            NewLead(
                company="Zenith Foods",
                person="Omar Haddad",
                email="omar@zenith.example",
            ),
            actor,
        )
        zenith = convert_lead(session, zenith_lead.id, ConvertOptions(), actor)
        return {
            "acme": acme.id,
            "xingchen": xingchen.id,
            "harbor": harbor.id,
            "zenith": zenith.customer_id,
            "zenith_lead": zenith_lead.id,
        }


def _import(sessions: Any, path: Path, actor: Actor, **options: Any) -> Any:
    with sessions.begin() as session:
        return import_leads(session, path, None, actor, **options)


def test_hand_made_file_flags(
    sessions: Any, actor: Actor, known_records: dict[str, Any], tmp_path: Path
) -> None:
    report = tmp_path / "report.csv"
    result = _import(sessions, DATA / "incoming_leads.csv", actor, report_path=report)
    # Worked out by hand from the file (line 1 is the header):
    #  2 Acme Trading, +86 138-0013-8000: same E.164 phone as customer ACME,
    #    whose name also folds to "acmetrading"; the phone match ranks first.
    #  3 Apex Trading: "apextrading" vs "acmetrading" scores 81 < 85, new.
    #  4 Zenith Foods Ltd, OMAR@zenith.example: the lead converted into
    #    customer Zenith Foods gave it and its contact the same address.
    #  5 Harbour Logistics: "harbourlogistics" vs lead "harborlogistics" 96.
    #  6 星辰科技: contained in "北京星辰科技", score 90.
    #  7 Globex, Li Wei: same person as ACME's contact, but "globex" and
    #    "acmetrading" score 11 < 60, so the companies disagree: new.
    #  8 Maria Garcia, +1 650-253-0000: same phone as lead Harbor Logistics.
    #  9 1380013800: ten digits, an invalid number, rejected.
    # 10 Nimbus Labs: no phone and no e-mail, rejected.
    # 11 ana@@quartz: invalid e-mail, rejected.
    # 12 repeats line 2 once screened (same company, person, E.164 phone).
    # 13 0086 13700137000: the phone of line 3's new lead.
    expected_flags = {
        2: ("same phone +8613800138000 as customer 'ACME Trading Co., Ltd.'"),
        4: "same e-mail omar@zenith.example as customer 'Zenith Foods'",
        5: "company name similar to lead 'Harbor Logistics' (score 96)",
        6: "company name similar to customer '北京星辰科技有限公司' (score 90)",
        8: "same phone +16502530000 as lead 'Harbor Logistics'",
        13: "same phone +8613700137000 as lead 'Apex Trading'",
    }
    flagged = {row.line: row.reason for row in result.flagged_rows}
    assert sorted(flagged) == sorted(expected_flags)
    for line, reason in expected_flags.items():
        assert flagged[line].startswith("possible duplicate: " + reason), line
    rejected = {row.line: row.reason for row in result.rejected_rows}
    assert sorted(rejected) == [9, 10, 11, 12]
    assert "invalid phone number '1380013800'" in rejected[9]
    assert "missing phone and e-mail" in rejected[10]
    assert "invalid e-mail address 'ana@@quartz'" in rejected[11]
    assert "repeats line 2" in rejected[12]

    assert result.rows == 12
    assert (result.imported, result.flagged, result.rejected) == (2, 6, 4)
    assert result.imported + result.flagged + result.rejected == result.rows

    with sessions() as session:
        new_leads = session.scalars(
            select(Lead).where(Lead.external_source == "leads")
        ).all()
        statuses = sorted(lead.status for lead in new_leads)
        assert statuses == ["flagged"] * 6 + ["new"] * 2
        acme_lead = next(
            lead for lead in new_leads if lead.phone_raw.startswith("+86 138")
        )
        assert acme_lead.duplicate_of_customer_id == known_records["acme"]

    with report.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["line", "outcome", "reason", "company", "person", "phone",
                       "email", "source"]  # fmt: skip
    assert [row[0] for row in rows[1:]] == [
        "2", "4", "5", "6", "8", "9", "10", "11", "12", "13"
    ]  # fmt: skip
    assert rows[6][:3] == ["9", "rejected", rejected[9]]
    assert rows[6][3:] == ["Acme Trading", "Chen Jie", "1380013800", "", "Website"]


def test_reimport_is_idempotent(
    sessions: Any, actor: Actor, known_records: dict[str, Any]
) -> None:
    first = _import(sessions, DATA / "incoming_leads.csv", actor)
    second = _import(sessions, DATA / "incoming_leads.csv", actor)
    assert first.imported + first.flagged == 8
    assert (second.imported, second.flagged, second.updated) == (0, 0, 0)
    assert second.unchanged == 8
    assert second.rejected == 4
    assert second.unchanged + second.rejected == second.rows
    with sessions() as session:
        count = len(session.scalars(select(Lead)).all())
    assert count == 2 + 8


def test_converted_row_reimports_unchanged(
    sessions: Any, actor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "one.csv"
    path.write_text("company,person,phone\nAcme,Li Wei,13800138000\n", "utf-8")
    first = _import(sessions, path, actor)
    assert first.imported == 1
    with sessions.begin() as session:
        lead = session.scalars(select(Lead)).one()
        convert_lead(session, lead.id, ConvertOptions(), actor)
    again = _import(sessions, path, actor)
    # The row's lead became a customer; the re-import neither adds a lead nor
    # reports the row as a duplicate of that customer.
    assert (again.unchanged, again.flagged, again.imported) == (1, 0, 0)
    assert again.listed == []


def test_external_key_updates_changed_row(
    sessions: Any, actor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "keyed.csv"
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        'external_source = "expo"\nrequired = ["source"]\n'
        '[columns]\nexternal_key = "ID"\ncompany = "公司"\nperson = "联系人"\n'
        'phone = "手机"\n[defaults]\nsource = "Trade fair"\ncampaign = "Expo 2026"\n',
        encoding="utf-8",
    )
    path.write_text("ID,公司,联系人,手机\nA1,星辰科技,王芳,13900139000\n", "utf-8")
    loaded = load_lead_mapping(mapping)
    with sessions.begin() as session:
        first = import_leads(session, path, loaded, actor)
    assert first.imported == 1
    path.write_text("ID,公司,联系人,手机\nA1,星辰科技,王芳,13700137000\n", "utf-8")
    with sessions.begin() as session:
        second = import_leads(session, path, loaded, actor)
    assert (second.updated, second.imported, second.unchanged) == (1, 0, 0)
    with sessions() as session:
        lead = session.scalars(select(Lead)).one()
    assert (lead.external_source, lead.external_key) == ("expo", "A1")
    assert lead.phone == "+8613700137000"
    assert (lead.source, lead.campaign) == ("Trade fair", "Expo 2026")


def test_gbk_csv_with_chinese_headers(
    sessions: Any, actor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "gbk.csv"
    text = (
        "公司名称,联系人,手机,邮箱,备注\n"
        "北京博远教育咨询有限公司,赵敏,13812345678,,展会\n"
    )
    path.write_bytes(text.encode("gbk"))
    result = _import(sessions, path, actor)
    assert result.encoding == "gbk"
    assert result.imported == 1
    with sessions() as session:
        lead = session.scalars(select(Lead)).one()
    assert (lead.company, lead.person) == ("北京博远教育咨询有限公司", "赵敏")
    assert lead.phone == "+8613812345678"
    assert lead.notes == "展会"


def test_xlsx_written_with_openpyxl(
    sessions: Any, actor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "leads.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Leads"
    sheet.append(["Company", "Name", "Mobile", "E-mail"])
    sheet.append(["Acme", "Li Wei", 13800138000, "li@acme.cn"])
    sheet.append([None, None, None, None])
    sheet.append(["Zenith", "Omar", 13800138000.0, None])
    sheet.append(["Quartz", "Ana", "1380013800", None])
    workbook.save(path)

    result = _import(sessions, path, actor)
    assert result.encoding == "xlsx"
    assert result.rows == 3
    assert (result.imported, result.flagged, result.rejected) == (1, 1, 1)
    # Line numbers are worksheet rows; row 3 was empty and is skipped.
    assert [row.line for row in result.flagged_rows] == [4]
    assert [row.line for row in result.rejected_rows] == [5]
    with sessions() as session:
        phones = sorted(lead.phone for lead in session.scalars(select(Lead)))
    assert phones == ["+8613800138000", "+8613800138000"]


def test_xlsx_rejects_encoding(sessions: Any, actor: Actor, tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    Workbook().save(path)
    with pytest.raises(FileReadError, match="leave out --encoding"):
        _import(sessions, path, actor, encoding="gbk")


def test_not_a_workbook(sessions: Any, actor: Actor, tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    path.write_text("company\nAcme\n", "utf-8")
    with pytest.raises(FileReadError, match=r"not a readable \.xlsx workbook"):
        _import(sessions, path, actor)


def test_repeated_id_with_other_values_is_named(
    sessions: Any, actor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(
        "id,company,person,phone\n"
        "7,Acme,Li Wei,13800138001\n"
        "7,Zenith,Omar,13800138002\n",
        "utf-8",
    )
    result = _import(sessions, path, actor)
    assert (result.imported, result.rejected) == (1, 1)
    [rejected] = result.rejected_rows
    assert rejected.line == 3
    assert "the same id '7' as line 2" in rejected.reason
    assert "give each row its own id" in rejected.reason


def test_text_file_named_xlsx_says_rename(
    sessions: Any, actor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "leads.xlsx"
    path.write_text("company\nAcme\n", "utf-8")
    with pytest.raises(FileReadError, match=r"rename it to \.csv"):
        _import(sessions, path, actor)


def test_workbook_named_csv_says_rename(
    sessions: Any, actor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "leads.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Company", "Mobile"])
    workbook.save(path)
    misnamed = path.rename(tmp_path / "leads.csv")
    with pytest.raises(FileReadError, match=r"Excel workbook .* rename it to \.xlsx"):
        _import(sessions, misnamed, actor)


@pytest.mark.parametrize("name", ["locked.xlsx", "old.xls", "old.csv"])
def test_ole_workbook_named(
    sessions: Any, actor: Actor, tmp_path: Path, name: str
) -> None:
    # Password-protected .xlsx and Excel 97-2003 files are OLE compound files,
    # which start with these eight bytes.
    path = tmp_path / name
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    with pytest.raises(FileReadError, match=r"password-protected .* 97-2003"):
        _import(sessions, path, actor)


def test_missing_columns_are_named(sessions: Any, actor: Actor, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Firma,Telefon\nAcme,13800138000\n", "utf-8")
    with pytest.raises(MappingError, match="no company or person column"):
        _import(sessions, path, actor)
    mapping = tmp_path / "map.toml"
    mapping.write_text('[columns]\ncompany = "Firm"\n', "utf-8")
    with sessions.begin() as session, pytest.raises(MappingError, match="'Firm'"):
        import_leads(session, path, load_lead_mapping(mapping), actor)


def test_mapping_problems_listed(tmp_path: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        'colour = "red"\nrequired = ["budget"]\n[columns]\nbudget = "B"\n', "utf-8"
    )
    with pytest.raises(MappingError) as caught:
        load_lead_mapping(mapping)
    problems = caught.value.problems
    assert len(problems) == 3
    assert "unknown key 'colour'" in problems[0]
    assert "required must be a list of lead fields" in problems[1]
    assert "unknown field 'budget'" in problems[2]


def test_row_with_extra_values(sessions: Any, actor: Actor, tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_text(
        "company,phone\nAcme, Inc,13800138000\nZenith,13900139000\n", "utf-8"
    )
    result = _import(sessions, path, actor)
    assert [row.line for row in result.rejected_rows] == [2]
    assert "3 values but the header has 2 columns" in result.rejected_rows[0].reason
    assert result.imported == 1


def test_import_on_postgres(any_sessions: Any, tmp_path: Path) -> None:
    with any_sessions.begin() as session:
        install_playbook(session, TEST_PLAYBOOK)
        actor = Actor(ensure_user(session, "lin", "Lin").id, ChangeSource.IMPORT)
    copy = tmp_path / "incoming.csv"
    shutil.copy(DATA / "incoming_leads.csv", copy)
    with any_sessions.begin() as session:
        result = import_leads(session, copy, None, actor)
    # Without stored records only earlier rows of the file are found: line 8
    # "Maria Garcia" folds to "garciamaria", which contains line 5's "M.
    # Garcia" ("garciam", seven characters, score 90), and line 13 has the
    # phone of line 3.
    assert result.rows == 12
    assert result.rejected == 4
    assert sorted(row.line for row in result.flagged_rows) == [8, 13]
    assert result.imported == 6
    with any_sessions() as session:
        statuses = [lead.status for lead in session.scalars(select(Lead))]
    assert statuses.count(LeadStatus.FLAGGED) == 2
