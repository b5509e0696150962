"""CSV reading edge cases: open quotes, Western text, repeated headers, BOMs."""

from __future__ import annotations

import pytest

from crmdesk.services.imports.encoding import FileReadError, read_csv


def test_unclosed_quote_names_its_line(tmp_path):
    path = tmp_path / "deals.csv"
    lines = ["id,title", '1,"Deal one', *[f"{n},Deal {n}" for n in range(2, 1000)]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FileReadError, match="starts on line 2 is never closed"):
        read_csv(path)


def test_latin1_is_not_read_as_gbk(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes("id,customer\n1,Müller GmbH\n2,Café Zoë\n".encode("latin-1"))
    with pytest.raises(FileReadError, match="--encoding cp1252"):
        read_csv(path)
    table = read_csv(path, "latin-1")
    assert table.rows[0].values == ["1", "Müller GmbH"]


def test_gbk_chinese_is_detected(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes("编号,客户\n1,北京星辰科技有限公司\n2,王芳\n".encode("gbk"))
    table = read_csv(path)
    assert table.encoding == "gbk"
    assert table.rows[1].values == ["2", "王芳"]


def test_repeated_column_name_is_rejected(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("id,amount,amount\n1,5,6\n", encoding="utf-8")
    with pytest.raises(FileReadError, match="'amount' appears twice"):
        read_csv(path)


def test_bom_inside_file_is_dropped(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(b"id,title\n1,A\n" + "\ufeff2,B\n".encode("utf-8"))
    table = read_csv(path)
    assert [row.values[0] for row in table.rows] == ["1", "2"]


@pytest.mark.parametrize(
    ("separator", "name"),
    [(";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")],
)
def test_other_separator_is_named(tmp_path, separator, name):
    path = tmp_path / "leads.csv"
    rows = [["公司", "联系人", "电话"], ["Acme", "Zhou Min", "13800138000"]]
    path.write_text(
        "\n".join(separator.join(row) for row in rows) + "\n", encoding="utf-8"
    )
    with pytest.raises(FileReadError, match=name) as caught:
        read_csv(path)
    assert repr(separator) in str(caught.value)
    assert "CSV UTF-8" in str(caught.value)


def test_one_column_file_without_separators_is_read(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("name\nAcme\n", encoding="utf-8")
    assert read_csv(path).header == ["name"]
