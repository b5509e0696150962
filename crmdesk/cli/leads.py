"""``crmdesk leads``: the leads inbox from the command line.

Sub-commands: import, list, add, merge, convert, discard and clear-flag. Phone
numbers without a country code are read in the ``phone_region`` setting.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from crmdesk.cli.context import CliContext
from crmdesk.cli.output import format_table, positive_count
from crmdesk.config.settings import Settings
from crmdesk.domain.errors import NotFoundError
from crmdesk.services.context import ChangeSource
from crmdesk.services.imports.lead_mapping import load_lead_mapping
from crmdesk.services.imports.leads import (
    LeadImportResult,
    default_lead_report_path,
    import_leads,
)
from crmdesk.services.lead_conversion import ConvertOptions, convert_lead
from crmdesk.services.lead_merge import MERGE_FIELDS, merge_leads
from crmdesk.services.leads import (
    LEAD_FIELDS,
    LeadRecord,
    LeadStatus,
    NewLead,
    add_lead,
    clear_flag,
    discard_lead,
    edit_lead,
    find_lead,
    list_leads,
)
from crmdesk.services.lookups import list_customers
from crmdesk.services.playbooks import find_series

LIST_COLUMNS = ("id", "status", "company", "person", "phone", "email", "source", "flag")


def _region(context: CliContext) -> str:
    return Settings.load(context.paths.config_dir).phone_region


def register(subparsers: Any) -> None:
    """Add the ``leads`` command and its sub-commands."""
    command = subparsers.add_parser(
        "leads",
        help="list, add, import, merge and convert leads",
        description="The leads inbox: screen leads on the way in, review the "
        "flagged ones, merge duplicates and convert leads into customers.",
    )
    actions = command.add_subparsers(
        dest="leads_action", metavar="ACTION", required=True
    )
    _register_import(actions)
    _register_list(actions)
    _register_add(actions)
    _register_edit(actions)
    _register_merge(actions)
    _register_convert(actions)
    discard = actions.add_parser(
        "discard",
        help="discard a lead",
        description="Discard an open lead; it stays stored with its values.",
    )
    discard.add_argument("lead", metavar="LEAD", help="lead id, id prefix or key")
    discard.add_argument("--note", default="", help="why, added to the lead's notes")
    discard.set_defaults(handler=run_discard)
    clear = actions.add_parser(
        "clear-flag",
        help="mark a flagged lead as not a duplicate",
        description="Mark a flagged lead as not a duplicate, so it becomes new.",
    )
    clear.add_argument("lead", metavar="LEAD", help="lead id, id prefix or key")
    clear.set_defaults(handler=run_clear_flag)


def _register_import(actions: Any) -> None:
    parser = actions.add_parser(
        "import",
        help="import leads from a CSV or .xlsx file",
        description="Import leads from a CSV or .xlsx file. Without --mapping, "
        "columns are found by name (company, person, phone, email, source, "
        "campaign, notes, in English or Chinese). Each row is imported, flagged "
        "as a possible duplicate, or rejected with its line number and reason; "
        "rejected and flagged rows are also written to a CSV report. Importing "
        "the same file again adds nothing. Exits with status 1 when the file or "
        "mapping cannot be used, and then imports nothing.",
    )
    parser.add_argument("path", metavar="FILE", type=Path, help="the .csv or .xlsx")
    parser.add_argument(
        "--mapping", metavar="FILE", type=Path, help="column-mapping file (TOML)"
    )
    parser.add_argument(
        "--encoding",
        metavar="ENC",
        help="encoding of a CSV file, such as utf-8 or gbk (default: detected)",
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        type=Path,
        help="where to write the CSV of rejected and flagged rows (default: a "
        "timestamped file in the import-reports folder of the data folder)",
    )
    parser.set_defaults(handler=run_import)


def _register_list(actions: Any) -> None:
    parser = actions.add_parser(
        "list",
        help="list leads",
        description="List leads, newest first, with the ids other commands take.",
    )
    parser.add_argument(
        "--status",
        action="append",
        choices=[status.value for status in LeadStatus],
        help="only leads of this status; repeat for several (default: new and flagged)",
    )
    parser.add_argument("--all", action="store_true", help="leads of every status")
    parser.add_argument("--search", default="", help="text in name, phone or e-mail")
    parser.add_argument(
        "--limit",
        type=positive_count,
        default=100,
        help="show at most this many (default 100)",
    )
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format"
    )
    parser.set_defaults(handler=run_list)


def _register_add(actions: Any) -> None:
    parser = actions.add_parser(
        "add",
        help="add a lead by hand",
        description="Add a lead. It needs a company or a person, and a phone or "
        "an e-mail. A possible duplicate is stored as flagged, with the reason.",
    )
    for name in ("company", "person", "job-title", "phone", "email", "source"):
        parser.add_argument(f"--{name}", default="")
    parser.add_argument("--campaign", default="")
    parser.add_argument("--notes", default="")
    parser.set_defaults(handler=run_add)


def _register_edit(actions: Any) -> None:
    parser = actions.add_parser(
        "edit",
        help="change fields of a lead in the inbox",
        description="Change the fields given of a new or flagged lead and check "
        "it again: the same checks as for a new lead apply, and a possible "
        "duplicate flags it with the reason, while a lead that no longer matches "
        "anything becomes new again.",
    )
    parser.add_argument("lead", metavar="LEAD", help="lead id, its start, or key")
    for name in LEAD_FIELDS:
        parser.add_argument(f"--{name.replace('_', '-')}")
    parser.set_defaults(handler=run_edit)


def _register_merge(actions: Any) -> None:
    parser = actions.add_parser(
        "merge",
        help="merge one lead into another",
        description="Fold lead OTHER into lead KEEP. KEEP keeps its values except "
        "the fields named with --take, which come from OTHER. Values that are not "
        "kept are written into KEEP's notes; OTHER is marked merged.",
    )
    parser.add_argument("keep", metavar="KEEP", help="the lead to keep")
    parser.add_argument("other", metavar="OTHER", help="the lead to fold in")
    parser.add_argument(
        "--take",
        action="append",
        default=[],
        choices=MERGE_FIELDS,
        help="a field to take from OTHER; repeat for several",
    )
    parser.set_defaults(handler=run_merge)


def _register_convert(actions: Any) -> None:
    parser = actions.add_parser(
        "convert",
        help="convert a lead into a customer and optionally a deal",
        description="Convert a lead into a customer with its contact. With "
        "--series, also open a deal in that series. With --customer, add the "
        "lead to an existing customer instead of creating one.",
    )
    parser.add_argument("lead", metavar="LEAD", help="lead id, id prefix or key")
    parser.add_argument("--customer", help="existing customer id or exact name")
    parser.add_argument("--series", help="series id, key or name of the new deal")
    parser.add_argument("--title", default="", help="deal title (default: customer)")
    parser.add_argument("--amount", help="expected deal amount in the series currency")
    parser.add_argument(
        "--force",
        action="store_true",
        help="convert a flagged lead into a new customer anyway",
    )
    parser.set_defaults(handler=run_convert)


def run_import(args: argparse.Namespace, context: CliContext) -> int:
    """Run ``crmdesk leads import``."""
    mapping = load_lead_mapping(args.mapping) if args.mapping else None
    actor = context.actor(ChangeSource.IMPORT)
    report = args.report or default_lead_report_path(context.paths.data_dir, actor.at)
    with context.sessions.begin() as session:
        result = import_leads(
            session,
            args.path,
            mapping,
            actor,
            region=_region(context),
            encoding=args.encoding,
            report_path=report,
        )
    print(format_import(result))
    return 0


def format_import(result: LeadImportResult) -> str:
    """Return the summary ``leads import`` prints."""
    lines = [
        f"Imported {result.source_file} ({result.encoding}): {result.rows} rows",
        f"  imported   {result.imported:>7}",
        f"  flagged    {result.flagged:>7}",
        f"  rejected   {result.rejected:>7}",
    ]
    if result.updated or result.unchanged:
        lines.append(f"  updated    {result.updated:>7}")
        lines.append(f"  unchanged  {result.unchanged:>7}  (already imported)")
    for row in sorted(result.listed, key=lambda listed: listed.line):
        lines.append(f"line {row.line}: {row.outcome}: {row.reason}")
    if result.report_path is not None:
        lines.append(f"Rejected and flagged rows are listed in {result.report_path}")
    return "\n".join(lines)


def _lead_json(record: LeadRecord) -> dict[str, Any]:
    return {
        "id": str(record.id),
        "status": record.status.value,
        "company": record.company,
        "person": record.person,
        "job_title": record.job_title,
        "phone": record.phone,
        "phone_raw": record.phone_raw,
        "email": record.email,
        "source": record.source,
        "campaign": record.campaign,
        "owner": record.owner,
        "external_key": record.external_key,
        "created_at": record.created_at.isoformat(),
        "flags": [
            {
                "field": match.field.value,
                "record": match.record.value,
                "record_id": str(match.record_id),
                "name": match.name,
                "value": match.value,
                "score": match.score,
                "reason": match.describe(),
            }
            for match in record.matches
        ],
        "merged_into_id": str(record.merged_into_id) if record.merged_into_id else None,
        "converted_customer_id": (
            str(record.converted_customer_id) if record.converted_customer_id else None
        ),
    }


def run_list(args: argparse.Namespace, context: CliContext) -> int:
    """Run ``crmdesk leads list``."""
    if args.all:
        statuses: tuple[str, ...] = ()
    elif args.status:
        statuses = tuple(args.status)
    else:
        statuses = (LeadStatus.NEW.value, LeadStatus.FLAGGED.value)
    with context.sessions() as session:
        records = list_leads(session, statuses, args.search, max(args.limit, 0))
    if args.format == "json":
        print(
            json.dumps([_lead_json(r) for r in records], ensure_ascii=False, indent=2)
        )
        return 0
    rows = [
        [
            str(record.id),
            record.status.value,
            record.company,
            record.person,
            record.phone or record.phone_raw,
            record.email,
            record.source,
            record.flag_text(),
        ]
        for record in records
    ]
    print(format_table(LIST_COLUMNS, rows))
    return 0


def run_add(args: argparse.Namespace, context: CliContext) -> int:
    """Run ``crmdesk leads add``."""
    new = NewLead(
        company=args.company,
        person=args.person,
        job_title=args.job_title,
        phone=args.phone,
        email=args.email,
        source=args.source,
        campaign=args.campaign,
        notes=args.notes,
    )
    with context.sessions.begin() as session:
        lead, matches = add_lead(session, new, context.actor(), region=_region(context))
        lead_id = lead.id
    print(f"Added lead {lead_id}")
    for match in matches:
        print(f"  flagged: possible duplicate: {match.describe()}")
    return 0


def run_edit(args: argparse.Namespace, context: CliContext) -> int:
    """Run ``crmdesk leads edit``."""
    changes = {
        name: getattr(args, name)
        for name in LEAD_FIELDS
        if getattr(args, name) is not None
    }
    if not changes:
        print("nothing to change: give at least one field option")
        return 2
    with context.sessions.begin() as session:
        lead = find_lead(session, args.lead)
        edited, matches = edit_lead(
            session, lead.id, changes, context.actor(), region=_region(context)
        )
        lead_id, status = edited.id, edited.status
    print(f"Changed lead {lead_id}; it is {status}")
    for match in matches:
        print(f"  flagged: possible duplicate: {match.describe()}")
    return 0


def run_merge(args: argparse.Namespace, context: CliContext) -> int:
    """Run ``crmdesk leads merge``."""
    actor = context.actor()
    with context.sessions.begin() as session:
        keep = find_lead(session, args.keep)
        other = find_lead(session, args.other)
        merged = merge_leads(
            session, keep.id, other.id, set(args.take), actor, region=_region(context)
        )
        status = merged.status
        keep_id, other_id = keep.id, other.id
    print(f"Merged lead {other_id} into {keep_id}; the kept lead is {status}")
    return 0


def _parse_amount(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        print(
            f"crmdesk: invalid amount {text!r}: write a number such as 1234.50",
            file=sys.stderr,
        )
        raise SystemExit(2) from None


def run_convert(args: argparse.Namespace, context: CliContext) -> int:
    """Run ``crmdesk leads convert``."""
    amount = _parse_amount(args.amount)
    actor = context.actor()
    with context.sessions.begin() as session:
        lead = find_lead(session, args.lead)
        series_id = find_series(session, args.series).id if args.series else None
        customer_id = None
        if args.customer:
            customer_id = _find_customer(session, args.customer)
        result = convert_lead(
            session,
            lead.id,
            ConvertOptions(
                customer_id=customer_id,
                series_id=series_id,
                deal_title=args.title,
                amount=amount,
                allow_flagged=args.force,
            ),
            actor,
            region=_region(context),
        )
    made = "created" if result.customer_created else "joined"
    print(f"Converted lead {result.lead_id}: {made} customer {result.customer_id}")
    if result.contact_id is not None:
        print(f"  contact {result.contact_id}")
    if result.opportunity_id is not None:
        print(f"  deal {result.opportunity_id}")
    return 0


def _find_customer(session: Any, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        pass
    exact = [c for c in list_customers(session, value) if c.label == value.strip()]
    if len(exact) == 1:
        return exact[0].id
    raise NotFoundError(
        f"no single customer is named {value!r}: give the customer's id"
    )


def run_discard(args: argparse.Namespace, context: CliContext) -> int:
    """Run ``crmdesk leads discard``."""
    actor = context.actor()
    with context.sessions.begin() as session:
        lead = find_lead(session, args.lead)
        discard_lead(session, lead.id, actor, args.note)
        lead_id = lead.id
    print(f"Discarded lead {lead_id}")
    return 0


def run_clear_flag(args: argparse.Namespace, context: CliContext) -> int:
    """Run ``crmdesk leads clear-flag``."""
    actor = context.actor()
    with context.sessions.begin() as session:
        lead = find_lead(session, args.lead)
        clear_flag(session, lead.id, actor)
        lead_id = lead.id
    print(f"Lead {lead_id} is new again")
    return 0
