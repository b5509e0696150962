"""A PostgreSQL server for tests: the one on 127.0.0.1:5432, or a throwaway one.

``CRMDESK_TEST_PG_URL`` names a server to use instead (a URL without a database
name, such as ``postgresql+psycopg://postgres@127.0.0.1:5432``). When no server
answers, a throwaway cluster is made with initdb and started with pg_ctl in a
temporary folder; as root, both run as the ``postgres`` system user because
initdb refuses to run as root. When neither works, tests that need the server
skip, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _answers(host: str, port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((host, port)) == 0


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root without runuser: cannot start initdb")
    return [runuser, "-u", "postgres", "--", *command]


# Client authentication of a cluster whose logins need passwords: the superuser
# ``postgres`` (the tests' admin) connects without one, every other login over
# TCP must send its SCRAM password.
PASSWORD_HBA = """\
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
"""


@contextmanager
def throwaway_server(*, passwords: bool = False) -> Iterator[str]:
    """Start a PostgreSQL cluster in a temporary folder; yield its URL.

    With ``passwords``, logins other than ``postgres`` must give a password
    (``PASSWORD_HBA``), so a test can exercise password prompts.
    """
    initdb = shutil.which("initdb")
    pg_ctl = shutil.which("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise RuntimeError("initdb and pg_ctl are not on PATH")
    folder = Path(tempfile.mkdtemp(prefix="crmdesk-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    port = _free_port()
    subprocess.run(
        _as_postgres_user(
            [initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
    )
    if passwords:
        # Rewriting the file in place keeps its owner, the postgres user.
        (data / "pg_hba.conf").write_text(PASSWORD_HBA, encoding="utf-8")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    subprocess.run(
        _as_postgres_user(
            [
                pg_ctl,
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(folder / "log"),
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def unavailable(reason: str) -> None:
    """Skip the test, or fail it under CI=true, because no server is available."""
    message = f"no PostgreSQL server for this test: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def server_url() -> Iterator[str]:
    """Yield the URL of a running server, starting a throwaway one if needed."""
    configured = os.environ.get("CRMDESK_TEST_PG_URL")
    if configured:
        yield configured
        return
    if _answers("127.0.0.1", 5432):
        yield DEFAULT_URL
        return
    with throwaway_server() as url:
        yield url


@contextmanager
def fresh_database(base_url: str) -> Iterator[str]:
    """Create an empty database on the server; yield its URL; drop it after."""
    import sqlalchemy as sa

    name = f"crmdesk_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"{base_url}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield f"{base_url}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
        admin.dispose()
