"""Importing deals from CSV files: a generic column mapping and the Maven preset.

Every deal is created with ``deals.create_opportunity`` and moved with
``stages.move_opportunity``, with the time each event happened, so imported
deals carry the same rules, history and outbox entries as deals made by hand.
"""

from crmdesk.services.imports.encoding import FileReadError, read_csv, read_text
from crmdesk.services.imports.generic import import_deals
from crmdesk.services.imports.mapping import DealMapping, MappingError, load_mapping
from crmdesk.services.imports.maven import import_maven, import_maven_store
from crmdesk.services.imports.report import ImportResult, RejectedRow
from crmdesk.services.imports.writer import ImportAbortedError

__all__ = [
    "DealMapping",
    "FileReadError",
    "ImportAbortedError",
    "ImportResult",
    "MappingError",
    "RejectedRow",
    "import_deals",
    "import_maven",
    "import_maven_store",
    "load_mapping",
    "read_csv",
    "read_text",
]
