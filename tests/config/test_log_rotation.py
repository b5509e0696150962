"""The log file rotates at its size limit, keeps its backups, and is shared safely."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import textwrap

from crmdesk.config.logging_setup import LOG_FILE, setup_logging

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO    crmdesk\.test: "
    r"writer (\d) record (\d+) x+$"
)


def log_files(folder):
    return sorted(folder.glob(f"{LOG_FILE}*"))


def test_rotation_keeps_backups(tmp_path):
    setup = setup_logging(tmp_path, file_bytes=1000, file_backups=3)
    log = logging.getLogger("crmdesk.test")
    try:
        for number in range(100):
            log.info("record %03d %s", number, "x" * 40)
    finally:
        setup.close()

    names = sorted(path.name for path in log_files(tmp_path) if path.suffix != ".lock")
    assert names == [LOG_FILE, f"{LOG_FILE}.1", f"{LOG_FILE}.2", f"{LOG_FILE}.3"]
    for path in log_files(tmp_path):
        assert path.stat().st_size <= 1000, path
    newest = (tmp_path / LOG_FILE).read_text(encoding="utf-8")
    assert "record 099" in newest
    oldest = (tmp_path / f"{LOG_FILE}.3").read_text(encoding="utf-8")
    assert "record 000" not in oldest


WRITER = textwrap.dedent(
    """
    import logging, sys
    from pathlib import Path
    from crmdesk.config.logging_setup import setup_logging

    folder, writer = Path(sys.argv[1]), sys.argv[2]
    setup = setup_logging(folder, file_bytes=4000, file_backups=200)
    log = logging.getLogger("crmdesk.test")
    for number in range(400):
        log.info("writer %s record %d %s", writer, number, "x" * 30)
    setup.close()
    """
)


def test_two_processes_share_file(tmp_path):
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(number)])
        for number in (1, 2)
    ]
    for writer in writers:
        assert writer.wait(timeout=120) == 0

    seen: dict[tuple[str, str], int] = {}
    for path in log_files(tmp_path):
        if path.suffix == ".lock":
            continue
        size = path.stat().st_size
        assert size <= 4000, path
        if path.name != LOG_FILE:
            # A backup was rotated away only when the next record did not fit,
            # not early by the other process; one record is about 90 bytes.
            assert size > 4000 - 200, f"{path.name} was rotated at {size} bytes"
        for line in path.read_text(encoding="utf-8").splitlines():
            match = LINE.match(line)
            assert match is not None, f"damaged line in {path.name}: {line!r}"
            key = (match[1], match[2])
            seen[key] = seen.get(key, 0) + 1
    expected = {(writer, str(n)) for writer in ("1", "2") for n in range(400)}
    assert set(seen) == expected
    assert all(count == 1 for count in seen.values())
