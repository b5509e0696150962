"""Passwords in database URLs and key/value pairs never reach a log handler."""

from __future__ import annotations

import logging

import pytest

from crmdesk.config.logging_setup import mask_secrets, setup_logging

CASES = [
    (
        "postgresql://user:secret@host/db",
        "postgresql://user:***@host/db",
    ),
    (
        "connecting to postgresql+psycopg://sales:p4ss%40word@10.0.0.5:5432/crm now",
        "connecting to postgresql+psycopg://sales:***@10.0.0.5:5432/crm now",
    ),
    (
        "host=db user=lin password=hunter2 dbname=crm",
        "host=db user=lin password=*** dbname=crm",
    ),
    ("PGPASSWORD=topsecret crmdesk sync", "PGPASSWORD=*** crmdesk sync"),
    ("password='two words' port=5432", "password=*** port=5432"),
    ("{'user': 'lin', 'password': 'hunter2'}", "{'user': 'lin', 'password': ***}"),
    ("pwd: abc123, next", "pwd: ***, next"),
]

UNCHANGED = [
    "postgresql://host:5432/crm",
    "http://example.test:8080/path@tag",
    "postgresql://lin@host/crm",
    "the password field is empty",
    "reset_password_at 2025-01-01",
]


@pytest.mark.parametrize(("text", "masked"), CASES)
def test_mask_secrets_masks(text, masked):
    assert mask_secrets(text) == masked


@pytest.mark.parametrize("text", UNCHANGED)
def test_mask_secrets_leaves_text(text):
    assert mask_secrets(text) == text


@pytest.fixture
def installed(tmp_path):
    setup = setup_logging(
        tmp_path / "logs", level=logging.DEBUG, console_level=logging.ERROR
    )
    yield setup
    setup.close()


def test_handlers_mask_messages(installed, capsys):
    log = logging.getLogger("crmdesk.sync.engine")
    log.error("cannot connect to %s", "postgresql://lin:hunter2@db.local/crm")

    text = installed.log_file.read_text(encoding="utf-8")
    assert "hunter2" not in text
    assert "postgresql://lin:***@db.local/crm" in text
    assert "hunter2" not in installed.recent.lines[-1]
    assert "hunter2" not in capsys.readouterr().err


def test_handlers_mask_tracebacks(installed):
    log = logging.getLogger("crmdesk.sync.engine")
    try:
        raise RuntimeError("connection failed: password=hunter2 host=db.local")
    except RuntimeError:
        log.exception("sync failed")

    text = installed.log_file.read_text(encoding="utf-8")
    assert "RuntimeError: connection failed: password=*** host=db.local" in text
    assert "hunter2" not in text
