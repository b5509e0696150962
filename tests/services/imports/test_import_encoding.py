"""Reading CSV files: encodings, newlines and physical line numbers."""

from __future__ import annotations

import pytest

from crmdesk.services.imports.encoding import FileReadError, read_csv


def test_line_numbers_with_quoted_newlines(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(b'a,b\r\n1,"x\r\ny\r\nz"\r\n\r\n2,w\r\n')
    table = read_csv(path)
    assert table.header == ["a", "b"]
    assert [row.line for row in table.rows] == [2, 6]
    assert table.rows[0].values == ["1", "x\ny\nz"]


@pytest.mark.parametrize("newline", [b"\r\n", b"\n", b"\r"])
def test_universal_newlines(tmp_path, newline):
    path = tmp_path / "rows.csv"
    path.write_bytes(newline.join([b"a,b", b"1,2", b"3,4"]) + newline)
    table = read_csv(path)
    assert [row.values for row in table.rows] == [["1", "2"], ["3", "4"]]
    assert [row.line for row in table.rows] == [2, 3]


def test_bom_not_in_first_column(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("名称,金额\n华信,1\n".encode("utf-8-sig"))
    table = read_csv(path)
    assert table.encoding == "utf-8-sig"
    assert table.header == ["名称", "金额"]
    forced = read_csv(path, "utf-8")
    assert forced.header == ["名称", "金额"]


def test_gbk_detected(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("客户,金额\n北京华信科技,100\n".encode("gbk"))
    table = read_csv(path)
    assert table.encoding == "gbk"
    assert table.rows[0].values == ["北京华信科技", "100"]


def test_unknown_encoding_name(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(FileReadError, match="'klingon'"):
        read_csv(path, "klingon")


def test_missing_file(tmp_path):
    with pytest.raises(FileReadError, match="not found"):
        read_csv(tmp_path / "absent.csv")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(FileReadError, match="empty"):
        read_csv(path)


def test_bom_before_gbk_text_is_an_error_that_suggests_gbk(tmp_path):
    # EF BB BF, then "公司" in GBK: B9 AB CB BE. Byte 3 is the first GBK byte.
    path = tmp_path / "bom-gbk.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "公司,手机\n".encode("gbk"))
    with pytest.raises(FileReadError) as raised:
        read_csv(path)
    message = str(raised.value)
    assert "byte 3 (0xb9)" in message
    assert "--encoding gbk" in message


def test_forced_gbk_drops_a_leading_utf8_bom(tmp_path):
    path = tmp_path / "bom-gbk.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "公司,手机\n北京,13800138000\n".encode("gbk"))
    table = read_csv(path, "gbk")
    assert table.header == ["公司", "手机"]
    assert table.rows[0].values == ["北京", "13800138000"]


def test_two_unnamed_columns_named_by_position(tmp_path):
    # Excel writes trailing commas for formatted but empty columns.
    path = tmp_path / "trailing.csv"
    path.write_text("company,phone,,\nAcme,13800138000,,\n", "utf-8")
    with pytest.raises(FileReadError) as raised:
        read_csv(path)
    message = str(raised.value)
    assert "columns 3 and 4 of the header row have no name" in message
    assert "delete the empty columns" in message
