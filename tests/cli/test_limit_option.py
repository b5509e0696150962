"""The ``--limit`` option of the list commands rejects counts below one."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdesk.cli import run

LISTS = [
    ["deals", "new-customer"],
    ["leads", "list"],
    ["customers", "list"],
    ["activities", "list"],
]


@pytest.mark.parametrize("command", LISTS, ids=lambda c: c[0])
@pytest.mark.parametrize("limit", ["0", "-1", "ten"])
def test_limit_below_one_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], limit: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        run(["--data-dir", str(tmp_path), *command, "--limit", limit])

    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert f"invalid count '{limit}'" in error
    assert "1 or more" in error
