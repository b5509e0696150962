"""Where the tests find the real CRM exports they read (never modify).

The exports sit in ``shared/data/`` beside the repository's folder; the
``CRMDESK_TEST_DATA`` environment variable names another ``data`` folder.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def data_folder() -> Path:
    """Return the folder that holds the exports, one sub-folder each."""
    configured = os.environ.get("CRMDESK_TEST_DATA")
    if configured:
        return Path(configured)
    return ROOT.parent / "shared" / "data"


MAVEN = data_folder() / "maven-crm-sales-opportunities"
"""The Maven Analytics CRM export: pipeline, accounts, products, teams."""
