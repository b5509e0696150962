"""The ``maven`` preset: the Maven Analytics "CRM + Sales + Opportunities" files.

The folder contains sales_pipeline.csv (one row per deal), accounts.csv,
products.csv and sales_teams.csv. They are imported into the shipped B2B
playbook's series, which is installed first when the store lacks it:

- each manager in sales_teams.csv becomes a team (key ``maven-<name>``, region
  = regional_office) and a user with role ``lead``; each agent becomes a user
  with role ``rep`` in the manager's team, also the agents with no deals;
- accounts become customers (external key = account name) with sector, country
  and parent as written in the file, typos included; their state is the
  series' end state when they have a Won deal, else its start state;
- products become products with their list price in USD;
- each pipeline row becomes a deal (external key = opportunity_id).

History of a deal, from its two dates (``writer.event_time`` puts each date at
noon UTC, plus one second per step so same-day events keep their order):
created in Prospecting on engage_date, moved to Engaging on engage_date, moved
to Won or Lost on close_date. A Prospecting row has no engage_date, so its deal
is created at the time of the import (``actor.at``).

Amounts: the expected amount of every deal is the list price of its product
(the data has no other estimate). A won deal's actual amount is close_value,
which becomes the deal's amount. A lost deal keeps the list price as its
amount; its outcome records close_value (0 in the data) as the actual amount and
the reason ``not-recorded``, because the data records no lost reasons.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from crmdesk.config.memory import collection_paused
from crmdesk.domain.errors import ValidationError
from crmdesk.domain.money import Money
from crmdesk.domain.playbook import OutcomeResult, StageKind
from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.customers import NewCustomer, create_customer
from crmdesk.services.imports import store
from crmdesk.services.imports.encoding import (
    CsvRow,
    CsvTable,
    FileReadError,
    read_csv,
)
from crmdesk.services.imports.report import ImportResult, RejectedRow, write_report
from crmdesk.services.imports.writer import (
    DealPlan,
    DealWriter,
    RowRejectedError,
    RowStatus,
    event_time,
)
from crmdesk.services.playbooks import (
    ReasonRecord,
    SeriesRecord,
    StageRecord,
    find_series,
    install_playbook,
)
from crmdesk.services.stages import OutcomeInput
from crmdesk.services.workspace import current_user_id, ensure_user
from crmdesk.storage import playbook_repo
from crmdesk.storage.db import open_store
from crmdesk.storage.models import Customer, Product, Team, User

log = logging.getLogger(__name__)

SOURCE = "maven"
PLAYBOOK_KEY = "b2b"
LOST_REASON_KEY = "not-recorded"
LOST_NOTE = "The Maven source data records no reason why this deal was lost."
CURRENCY = "USD"
# Minimum rapidfuzz ratio (0-100) for pairing a pipeline product name with a
# products.csv name, after case and spaces are removed. "GTXPro" and "GTX Pro"
# then score 100; the closest other pair in the data ("GTX Pro" and
# "GTX Plus Pro") scores 80, below the threshold.
FUZZY_THRESHOLD = 90.0

PIPELINE_FILE = "sales_pipeline.csv"
ACCOUNTS_FILE = "accounts.csv"
PRODUCTS_FILE = "products.csv"
TEAMS_FILE = "sales_teams.csv"

_COLUMNS = {
    PIPELINE_FILE: (
        "opportunity_id",
        "sales_agent",
        "product",
        "account",
        "deal_stage",
        "engage_date",
        "close_date",
        "close_value",
    ),
    ACCOUNTS_FILE: (
        "account",
        "sector",
        "year_established",
        "revenue",
        "employees",
        "office_location",
        "subsidiary_of",
    ),
    PRODUCTS_FILE: ("product", "series", "sales_price"),
    TEAMS_FILE: ("sales_agent", "manager", "regional_office"),
}
_STAGE_KEYS = {
    "Prospecting": "prospecting",
    "Engaging": "engaging",
    "Won": "won",
    "Lost": "lost",
}


def maven_folder(path: Path) -> Path:
    """Return the folder of the Maven files, given it or its sales_pipeline.csv.

    Raises:
        FileReadError: the path does not exist or a file is missing.
    """
    folder = path.parent if path.is_file() else path
    if not folder.is_dir():
        raise FileReadError(
            f"{path} does not exist: give the Maven folder or its {PIPELINE_FILE}"
        )
    missing = [name for name in _COLUMNS if not (folder / name).is_file()]
    if missing:
        raise FileReadError(
            f"{folder} is not a Maven CRM folder: {', '.join(missing)} missing. "
            f"Give the folder that holds {', '.join(_COLUMNS)}"
        )
    return folder


def _read(folder: Path, name: str) -> CsvTable:
    table = read_csv(folder / name)
    missing = [column for column in _COLUMNS[name] if column not in table.header]
    if missing:
        raise FileReadError(
            f"{folder / name} lacks the column(s) {', '.join(missing)}; its "
            f"columns are: {', '.join(table.header)}"
        )
    return table


def person_login(name: str) -> str:
    """Return the login made from a name, such as "mei-mei.johns"."""
    words = re.findall(r"[0-9a-z]+(?:-[0-9a-z]+)*", name.casefold())
    return ".".join(words) if words else name.strip()


def team_key(manager: str) -> str:
    """Return the key of a manager's team, such as "maven-dustin-brinkmann"."""
    return "maven-" + person_login(manager).replace(".", "-")


def _fold_product(name: str) -> str:
    return "".join(name.split()).casefold()


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(text: str, column: str) -> date | None:
    if not text:
        return None
    if _ISO_DAY.fullmatch(text):
        # The same reading as strptime at a fraction of the cost. Other text
        # gets strptime's more lenient reading (such as 2017-3-1).
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise RowRejectedError(
            f"invalid date {text!r} in column {column!r}: write it as YYYY-MM-DD"
        ) from None


@dataclasses.dataclass
class _Context:
    """The rows that pipeline rows refer to, loaded or created before the deals."""

    series: SeriesRecord
    stages: dict[str, StageRecord]
    lost_reason: ReasonRecord
    agents: dict[str, User]
    products: dict[str, Product]
    customers: dict[str, Customer]
    # Pipeline product value -> (product name, rapidfuzz score), or None when no
    # product name is close enough.
    product_matches: dict[str, tuple[str, float] | None]


class _MavenImport:
    def __init__(self, session: Session, folder: Path, actor: Actor) -> None:
        self.session = session
        self.folder = folder
        self.actor = Actor(actor.user_id, ChangeSource.IMPORT, at=actor.at)
        self.rejected: list[RejectedRow] = []
        self.warnings: list[str] = []

    def reject(self, table: CsvTable, row: CsvRow, reason: str) -> None:
        self.rejected.append(
            RejectedRow(
                table.path.name,
                row.line,
                reason,
                tuple(table.header),
                tuple(row.values),
            )
        )

    def rows(self, table: CsvTable) -> Iterator[tuple[CsvRow, dict[str, str]]]:
        """Yield rows as column -> value, rejecting rows of the wrong length."""
        for row in table.rows:
            if len(row.values) != len(table.header):
                self.reject(
                    table,
                    row,
                    f"the row has {len(row.values)} values but the header has "
                    f"{len(table.header)} columns",
                )
                continue
            values = [value.strip() for value in row.values]
            yield row, dict(zip(table.header, values, strict=True))

    # Series, teams, products, accounts ------------------------------------

    def series(self) -> tuple[SeriesRecord, dict[str, StageRecord], ReasonRecord]:
        playbook = shipped_playbook(PLAYBOOK_KEY)
        if playbook_repo.playbook_by_key(self.session, playbook.key) is None:
            log.info("installing the shipped %s playbook for the import", playbook.key)
            install_playbook(self.session, playbook)
        series = find_series(self.session, playbook.series[0].key)
        stages = {label: series.stage_by_key(key) for label, key in _STAGE_KEYS.items()}
        reasons = {r.key: r for r in series.reasons_for(OutcomeResult.LOST)}
        reason = reasons.get(LOST_REASON_KEY)
        if reason is None:
            raise ValidationError(
                f"series {series.key!r} has no lost reason {LOST_REASON_KEY!r}, which "
                f"the Maven import gives lost deals: install the current shipped "
                f"{playbook.key} playbook, or add the reason to the series"
            )
        return series, stages, reason

    def teams(self, table: CsvTable) -> dict[str, User]:
        """Create the teams and users of sales_teams.csv; return users by agent name."""
        teams = store.teams_by_key(self.session)
        users = store.users_by_login(self.session)
        agents: dict[str, User] = {}
        for row, values in self.rows(table):
            agent = values["sales_agent"]
            manager = values["manager"]
            if not agent or not manager:
                self.reject(table, row, "the sales_agent or manager is empty")
                continue
            if agent in agents:
                self.reject(table, row, f"sales_agent {agent!r} is listed twice")
                continue
            team = self._team(teams, users, manager, values["regional_office"])
            agents[agent] = self._user(users, agent, "rep", team.id)
        return agents

    def _team(
        self, teams: dict[str, Team], users: dict[str, User], manager: str, region: str
    ) -> Team:
        key = team_key(manager)
        team = teams.get(key)
        if team is None:
            team = Team(key=key, name=f"{manager} team", region=region)
            self.session.add(team)
            self.session.flush()
            teams[key] = team
        elif team.region != region:
            team.region = region
        lead = self._user(users, manager, "lead", team.id)
        if team.lead_id != lead.id:
            team.lead_id = lead.id
        return team

    def _user(
        self, users: dict[str, User], name: str, role: str, team_id: uuid.UUID
    ) -> User:
        login = person_login(name)
        user = users.get(login)
        if user is None:
            user = ensure_user(self.session, login, name, role=role, team_id=team_id)
            users[login] = user
        elif user.team_id != team_id:
            # NOTE: an existing user keeps their role; only the team follows the
            # file, so a lead or admin is never demoted by an import.
            user.team_id = team_id
        return user

    def products(self, table: CsvTable) -> dict[str, Product]:
        products = store.products_by_name(self.session)
        result: dict[str, Product] = {}
        for row, values in self.rows(table):
            name = values["product"]
            if not name:
                self.reject(table, row, "the product name is empty")
                continue
            try:
                price = Money.parse(values["sales_price"], CURRENCY).minor
            except ValidationError as error:
                self.reject(table, row, f"sales_price: {error}")
                continue
            product = products.get(name)
            if product is None:
                product = Product(
                    name=name,
                    family=values["series"],
                    list_price_minor=price,
                    currency=CURRENCY,
                )
                self.session.add(product)
            else:
                if product.family != values["series"]:
                    product.family = values["series"]
                if product.list_price_minor != price or product.currency != CURRENCY:
                    product.list_price_minor = price
                    product.currency = CURRENCY
            result[name] = product
        return result

    def accounts(
        self, table: CsvTable, series: SeriesRecord, won_accounts: set[str]
    ) -> dict[str, Customer]:
        customers = store.customers_by_key(self.session, SOURCE)
        result: dict[str, Customer] = {}
        parents: list[tuple[CsvRow, str, str]] = []
        for row, values in self.rows(table):
            name = values["account"]
            if not name:
                self.reject(table, row, "the account name is empty")
                continue
            if name in result:
                self.reject(table, row, f"account {name!r} is listed twice")
                continue
            state_id = (
                series.end_state_id if name in won_accounts else series.start_state_id
            )
            fields = {
                "sector": values["sector"],
                "country": values["office_location"],
                "notes": _account_notes(values),
                "state_id": state_id,
            }
            customer = customers.get(name)
            if customer is None:
                customer = create_customer(
                    self.session,
                    NewCustomer(
                        name=name,
                        external_source=SOURCE,
                        external_key=name,
                        sector=values["sector"],
                        country=values["office_location"],
                        notes=_account_notes(values),
                        state_id=state_id,
                    ),
                    self.actor,
                )
            else:
                _assign_changed(customer, fields, self.actor.at)
            result[name] = customer
            if values["subsidiary_of"]:
                parents.append((row, name, values["subsidiary_of"]))
        for row, name, parent_name in parents:
            parent = result.get(parent_name)
            if parent is None:
                self.warnings.append(
                    f"{ACCOUNTS_FILE} line {row.line}: {name!r} is a subsidiary of "
                    f"{parent_name!r}, which is not an account; no parent was set"
                )
                continue
            _assign_changed(result[name], {"parent_id": parent.id}, self.actor.at)
        return result

    # Pipeline ----------------------------------------------------------------

    def match_products(
        self, values: set[str], products: dict[str, Product]
    ) -> dict[str, tuple[str, float] | None]:
        """Pair each pipeline product value with a products.csv name."""
        names = list(products)
        matches: dict[str, tuple[str, float] | None] = {}
        for value in values:
            if value in products:
                matches[value] = (value, 100.0)
                continue
            found = process.extract(
                value,
                names,
                scorer=fuzz.ratio,
                processor=_fold_product,
                limit=2,
                score_cutoff=FUZZY_THRESHOLD,
            )
            if len(found) == 1 or (len(found) > 1 and found[0][1] > found[1][1]):
                matches[value] = (found[0][0], found[0][1])
            else:
                matches[value] = None
        return matches

    def plan(self, values: dict[str, str], line: int, context: _Context) -> DealPlan:
        """Check one pipeline row and build its plan.

        Raises:
            RowRejectedError: a value is missing, unknown or invalid.
        """
        key = values["opportunity_id"]
        agent = context.agents.get(values["sales_agent"])
        if agent is None:
            raise RowRejectedError(
                f"unknown sales_agent {values['sales_agent']!r}: not in {TEAMS_FILE}"
            )
        match = context.product_matches.get(values["product"])
        if match is None:
            raise RowRejectedError(
                f"unknown product {values['product']!r}: no name in {PRODUCTS_FILE} "
                f"is similar enough (rapidfuzz ratio {FUZZY_THRESHOLD:g} or more)"
            )
        product = context.products[match[0]]
        account = values["account"]
        customer = None
        if account:
            customer = context.customers.get(account)
            if customer is None:
                raise RowRejectedError(
                    f"unknown account {account!r}: not in {ACCOUNTS_FILE}"
                )
        label = values["deal_stage"]
        stage = context.stages.get(label)
        if stage is None:
            raise RowRejectedError(
                f"unknown deal_stage {label!r}: use one of " + ", ".join(context.stages)
            )
        engage = _day(values["engage_date"], "engage_date")
        close = _day(values["close_date"], "close_date")
        outcome = self._outcome(values, stage, engage, close, context)
        stage_times = {}
        created_at = self.actor.at
        if engage is not None:
            created_at = event_time(engage, 0)
            stage_times[context.stages["Engaging"].id] = event_time(engage, 1)
        if close is not None:
            stage_times[stage.id] = event_time(close, 2)
        amount = None
        if product.list_price_minor is not None:
            amount = Money(product.list_price_minor, product.currency).amount
        if account:
            title = f"{product.name} for {account}"
        else:
            title = f"{product.name}, opportunity {key}"
        return DealPlan(
            line=line,
            external_key=key,
            title=title,
            series_id=context.series.id,
            start_stage=context.stages["Prospecting"],
            created_at=created_at,
            target_stage=stage,
            target_at=stage_times.get(stage.id, created_at),
            currency=product.currency,
            customer_id=customer.id if customer else None,
            owner_id=agent.id,
            team_id=agent.team_id,
            product_id=product.id,
            amount=amount,
            outcome=outcome,
            stage_times=stage_times,
            actor_user_id=agent.id,
            via=(context.stages["Engaging"],) if engage is not None else (),
        )

    def _outcome(
        self,
        values: dict[str, str],
        stage: StageRecord,
        engage: date | None,
        close: date | None,
        context: _Context,
    ) -> OutcomeInput | None:
        label = values["deal_stage"]
        if stage.kind is StageKind.OPEN:
            if close is not None or values["close_value"]:
                raise RowRejectedError(
                    f"a {label} deal has a close_date or close_value: only Won and "
                    f"Lost deals are closed"
                )
            if stage.key == "prospecting" and engage is not None:
                raise RowRejectedError(
                    f"a Prospecting deal has an engage_date ({engage}), the date it "
                    f"entered Engaging: fix the deal_stage or the date"
                )
            if stage.key != "prospecting" and engage is None:
                raise RowRejectedError(f"an {label} deal needs its engage_date")
            return None
        if engage is None or close is None:
            raise RowRejectedError(
                f"a {label} deal needs its engage_date and close_date"
            )
        if close < engage:
            raise RowRejectedError(f"close_date {close} is before engage_date {engage}")
        actual = _close_value(values["close_value"])
        if stage.kind is StageKind.WON:
            if actual is None:
                raise RowRejectedError("a Won deal needs its close_value")
            return OutcomeInput(
                OutcomeResult.WON, actual_amount=actual, actual_date=close
            )
        return OutcomeInput(
            OutcomeResult.LOST,
            reason_id=context.lost_reason.id,
            note=LOST_NOTE,
            actual_amount=actual,
            actual_date=close,
        )

    def run(self, report_path: Path | None) -> ImportResult:
        started = time.perf_counter()
        tables = {name: _read(self.folder, name) for name in _COLUMNS}
        pipeline = tables[PIPELINE_FILE]
        series, stages, lost_reason = self.series()
        agents = self.teams(tables[TEAMS_FILE])
        products = self.products(tables[PRODUCTS_FILE])
        pipeline_rows = list(self.rows(pipeline))
        won_accounts = {
            values["account"]
            for _row, values in pipeline_rows
            if values["deal_stage"] == "Won" and values["account"]
        }
        customers = self.accounts(tables[ACCOUNTS_FILE], series, won_accounts)
        # New products and teams get their ids when flushed; deals refer to them.
        self.session.flush()
        context = _Context(
            series=series,
            stages=stages,
            lost_reason=lost_reason,
            agents=agents,
            products=products,
            customers=customers,
            product_matches=self.match_products(
                {values["product"] for _row, values in pipeline_rows}, products
            ),
        )
        result = ImportResult(
            pipeline.path, rows=len(pipeline.rows), encoding=pipeline.encoding
        )
        self._import_deals(pipeline, pipeline_rows, context, result)
        result.rejected_rows = self.rejected
        result.warnings.extend(self.warnings)
        result.check_counts()
        if report_path is not None and result.rejected_rows:
            result.report_path = write_report(report_path, result.rejected_rows)
        result.seconds = time.perf_counter() - started
        log.info(
            "imported %s: %d new, %d updated, %d unchanged, %d rejected, "
            "%d fuzzy product matches in %.2f s",
            pipeline.path,
            result.imported,
            result.updated,
            result.unchanged,
            result.rejected,
            result.fuzzy_match_rows,
            result.seconds,
        )
        return result

    def _import_deals(
        self,
        table: CsvTable,
        rows: list[tuple[CsvRow, dict[str, str]]],
        context: _Context,
        result: ImportResult,
    ) -> None:
        writer = DealWriter(self.session, context.series, SOURCE)
        seen: dict[str, int] = {}
        fuzzy_rows: dict[str, int] = {}
        for row, values in rows:
            key = values["opportunity_id"]
            try:
                if not key:
                    raise RowRejectedError("the opportunity_id is empty")
                first = seen.setdefault(key, row.line)
                if first != row.line:
                    raise RowRejectedError(
                        f"opportunity_id {key!r} is also on line {first}"
                    )
                plan = self.plan(values, row.line, context)
                status = writer.write(plan)
            except RowRejectedError as error:
                self.reject(table, row, str(error))
                continue
            if status is RowStatus.IMPORTED:
                result.imported += 1
            elif status is RowStatus.UPDATED:
                result.updated += 1
            else:
                result.unchanged += 1
            match = context.product_matches[values["product"]]
            if match is not None and match[0] != values["product"]:
                fuzzy_rows[values["product"]] = fuzzy_rows.get(values["product"], 0) + 1
        writer.finish()
        for value, count in sorted(fuzzy_rows.items()):
            match = context.product_matches[value]
            assert match is not None
            result.fuzzy_matches[value] = (match[0], count)
            result.warnings.append(
                f"product {value!r} is not in {PRODUCTS_FILE}; paired with "
                f"{match[0]!r} (rapidfuzz ratio {match[1]:.0f}) on {count} rows"
            )


def _close_value(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        return Money.parse(text, CURRENCY).amount
    except ValidationError:
        raise RowRejectedError(
            f"invalid close_value {text!r}: write a number such as 1054"
        ) from None


def _account_notes(values: dict[str, str]) -> str:
    parts = []
    if values["year_established"]:
        parts.append(f"Established in {values['year_established']}.")
    if values["revenue"]:
        parts.append(f"Annual revenue: {values['revenue']} million USD.")
    if values["employees"]:
        parts.append(f"Employees: {values['employees']}.")
    return " ".join(parts)


def _assign_changed(row: object, fields: Mapping[str, object], at: datetime) -> None:
    """Assign only the values that differ, so an unchanged row writes nothing."""
    changed = False
    for name, value in fields.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed and hasattr(row, "updated_at"):
        row.updated_at = at


@collection_paused()
def import_maven(
    session: Session, path: Path, actor: Actor, *, report_path: Path | None = None
) -> ImportResult:
    """Import the Maven CRM files in the folder ``path`` (or next to it).

    The caller owns the transaction. ``actor`` gives the importing user and the
    import time, used for customers, teams and products and as the creation
    time of Prospecting deals, which have no date in the data.

    Raises:
        FileReadError: a file is missing, unreadable or lacks a column.
        ValidationError: the installed B2B series lacks the ``not-recorded``
            lost reason.
    """
    return _MavenImport(session, maven_folder(path), actor).run(report_path)


@collection_paused()
def import_maven_store(
    database: Path, path: Path, *, report_path: Path | None = None
) -> ImportResult:
    """Open a store file and import the Maven files into it in one transaction.

    This is the entry point for benchmarks: it includes opening the store and
    the commit. The store's current user, if set, is the importing user.
    """
    engine, sessions = open_store(database)
    try:
        with sessions.begin() as session:
            actor = Actor(current_user_id(session), ChangeSource.IMPORT)
            return import_maven(session, path, actor, report_path=report_path)
    finally:
        engine.dispose()
