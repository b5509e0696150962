"""The server and sync commands, end to end through ``crmdesk.cli.run``."""

from __future__ import annotations

import json
import socket
import time
from decimal import Decimal
from pathlib import Path

import keyring
import pytest
import sqlalchemy as sa
from keyring.backend import KeyringBackend
from synckit import edit_deal, new_deal

from crmdesk.cli import run
from crmdesk.config.paths import resolve_paths
from crmdesk.domain.errors import ValidationError
from crmdesk.sync import credentials

ROOT = Path(__file__).resolve().parents[2]


def _libpq(server, login: str) -> str:
    rest = server.url.split("@", 1)[1]
    return f"postgresql://{login}@{rest}"


def test_server_commands_add_a_user_and_publish_a_playbook(server, capsys):
    url = server.url.replace("+psycopg", "")
    assert run(["server", "init", url, "--role-prefix", server.prefix]) == 0
    login = f"{server.prefix}_dee"
    server.logins.append(login)
    code = run(
        ["server", "add-user", login, "--role", "lead", "--team", "east", "--url", url]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert f"created lead {login}" in out and "\\password" in out
    assert (
        server.scalar(
            "SELECT t.key FROM users u JOIN teams t ON t.id = u.team_id "
            "WHERE login = :l",
            l=login,
        )
        == "east"
    )
    playbook = ROOT / "resources" / "playbooks" / "b2b.toml"
    assert run(["server", "playbook", "load", str(playbook), "--url", url]) == 0
    assert "published playbook" in capsys.readouterr().out
    assert server.scalar("SELECT count(*) FROM playbooks") == 2
    assert server.scalar(
        "SELECT count(*) FROM sync.marker WHERE bucket = 'config' AND tbl = 'stages'"
    ) == server.scalar("SELECT count(*) FROM stages")
    # Server commands work on the server only: no local store appears.
    assert not resolve_paths(None).database.exists()


def test_connect_then_sync_prints_what_moved(server, capsys, tmp_path):
    login = server.add_user("ann", "rep", "north")
    assert run(["connect", _libpq(server, login)]) == 0
    saved = json.loads((tmp_path / "data" / "sync.json").read_text())
    assert saved == {"url": _libpq(server, "x").replace("x@", ""), "user": login}
    capsys.readouterr()
    stages = server.scalar("SELECT count(*) FROM stages")
    pulled = 0
    # A transaction elsewhere on a shared test server can hold a round back.
    for _ in range(100):
        assert run(["sync"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("pushed 0 changes, pulled ")
        pulled += int(out.split("pulled ")[1].split(" ")[0])
        if pulled >= stages:
            break
        time.sleep(0.1)
    assert pulled >= stages
    database = resolve_paths(None).database
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        local = connection.execute(sa.text("SELECT count(*) FROM stages")).scalar()
    engine.dispose()
    assert local == stages


def test_sync_fails_with_the_reason_when_the_server_is_unreachable(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert run(["connect", f"postgresql://127.0.0.1:{port}/crm", "--user", "ann"]) == 0
    capsys.readouterr()
    assert run(["sync"]) == 1
    err = capsys.readouterr().err
    assert "sync failed (unreachable)" in err and str(port) in err


def test_sync_fails_when_the_login_is_not_a_crmdesk_user(server, capsys):
    login = f"{server.prefix}_ghost"
    server.logins.append(login)
    with server.superuser() as connection:
        connection.execute(f'CREATE ROLE "{login}" LOGIN')
        connection.commit()
    run(["connect", _libpq(server, login)])
    capsys.readouterr()
    assert run(["sync"]) == 1
    assert "login_refused" in capsys.readouterr().err


def test_sync_without_connect_says_what_to_do(capsys):
    assert run(["sync"]) == 1
    assert "crmdesk connect URL --user NAME" in capsys.readouterr().err


def test_conflicts_lists_the_team_records_for_a_lead(server, make_client, capsys):
    server.add_user("ann", "rep", "north")
    lee = server.add_user("lee", "lead", "north")
    server.add_user("ada", "admin", "north")
    sam = server.add_user("sam", "rep", "south")
    ann, ada = make_client("ann"), make_client("ada")
    ann.sync()
    deal = new_deal(ann, "Contested", amount="10000")
    ann.sync()
    ada.sync()
    edit_deal(ann, deal, amount=Decimal("12000"))  # offline
    edit_deal(ada, deal, amount=Decimal("15000"))
    ada.sync()
    ann.sync()

    assert run(["connect", _libpq(server, lee)]) == 0
    capsys.readouterr()
    assert run(["conflicts"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert (
        f" {ann.login} [conflict] opportunities {deal} field amount_minor, "
        f"met {ada.login}'s edit: "
    ) in lines[0]
    assert lines[0].endswith("mine=1200000 theirs=1500000 base=1000000")

    # A rep of another team reads none of it.
    assert run(["connect", _libpq(server, sam)]) == 0
    capsys.readouterr()
    assert run(["conflicts"]) == 0
    assert capsys.readouterr().out == (
        "the server has no conflict records this login may read\n"
    )


def test_conflicts_unreachable_server_fails(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert run(["connect", f"postgresql://127.0.0.1:{port}/crm", "--user", "ann"]) == 0
    capsys.readouterr()
    assert run(["conflicts"]) == 1
    err = capsys.readouterr().err
    assert "conflicts failed (unreachable)" in err
    assert str(port) in err


@pytest.mark.parametrize(
    ("url", "user", "message"),
    [
        ("mysql://host/db", "ann", "invalid server URL"),
        ("postgresql://host", "ann", "names no database"),
        ("postgresql://ann:secret@host/db", None, "contains a password"),
        ("postgresql://host/db", None, "no login name"),
    ],
)
def test_bad_connection_settings_are_refused(url, user, message):
    with pytest.raises(ValidationError, match=message):
        credentials.parse_settings(url, user)


class _MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


def test_the_password_lives_in_the_keyring_never_in_the_settings(tmp_path):
    backend = _MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        settings = credentials.parse_settings("postgresql://db.example:5433/crm", "ann")
        path = credentials.save_settings(tmp_path, settings)
        assert credentials.remember_password(settings, "s3cret-pass")
        assert credentials.keyring_password(settings) == "s3cret-pass"
        assert "s3cret-pass" not in path.read_text()
        assert credentials.load_settings(tmp_path) == settings
        assert backend.store == {("crmdesk", "ann@db.example:5433/crm"): "s3cret-pass"}
    finally:
        keyring.set_keyring(previous)
