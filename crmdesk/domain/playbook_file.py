"""Playbook files: read a TOML playbook, validate it and build the frozen records.

The file layout is described in ``docs/playbooks.md`` and at the top of each file in
``resources/playbooks/``. Validation collects every problem it finds and raises one
``PlaybookError`` that lists them, each with the file, the key path (such as
``series.trial.stages[2].default_probability``, array indexes counting from 0) and
what to change.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.money import check_currency
from crmdesk.domain.playbook import (
    ApprovalTypeDef,
    ChecklistActionDef,
    CustomerStateDef,
    Intake,
    OutcomeResult,
    Playbook,
    ReasonDef,
    SeriesDef,
    SeriesRules,
    StageDef,
    StageKind,
)
from crmdesk.domain.playbook_fields import PlaybookProblem, TableReader

# Activity types whose logging completes a checklist action.
ACTIVITY_TYPES = ("call", "visit", "meeting", "email", "trial", "note")

_ROOT_KEYS = (
    "key",
    "name_en",
    "name_zh",
    "version",
    "base_currency",
    "intake",
    "states",
    "series",
)
_STATE_KEYS = ("key", "name_en", "name_zh")
_SERIES_KEYS = (
    "key",
    "name_en",
    "name_zh",
    "team",
    "start_state",
    "end_state",
    "currency",
    "rules",
    "stages",
    "reasons",
)
_RULE_KEYS = ("allow_skip", "allow_backward", "allow_reopen", "checklist_gates")
_STAGE_KEYS = (
    "key",
    "name_en",
    "name_zh",
    "kind",
    "default_probability",
    "exit_criterion_en",
    "exit_criterion_zh",
    "checklist",
    "approvals",
)
_ACTION_KEYS = ("key", "name_en", "name_zh", "required", "activity")
_APPROVAL_KEYS = ("key", "name_en", "name_zh", "blocks_promotion")
_REASON_KEYS = ("key", "name_en", "name_zh", "result", "note_required")

_RESULT_PROBABILITY = {StageKind.WON: 100, StageKind.LOST: 0}
__all__ = [
    "ACTIVITY_TYPES",
    "PlaybookError",
    "PlaybookProblem",
    "load_playbook",
    "parse_playbook",
    "shipped_playbook",
    "shipped_playbooks",
]

_TOML_LOCATION = re.compile(r"\s*\(at (line \d+, column \d+|end of document)\)$")


class PlaybookError(ValidationError):
    """A playbook file is invalid; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: Sequence[PlaybookProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = [f"{source}: {p.path}: {p.message}" for p in self.problems]
        if len(lines) > 1:
            lines.insert(0, f"invalid playbook {source} ({len(lines)} problems):")
        super().__init__("\n".join(lines))


def load_playbook(path: Path | str) -> Playbook:
    """Read and validate the playbook file at ``path``.

    Raises:
        PlaybookError: the file cannot be read, is not UTF-8 TOML, or is invalid.
    """
    file = Path(path)
    source = str(file)
    try:
        data = file.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise PlaybookError(
            source,
            [
                PlaybookProblem(
                    "file", f"cannot read the file ({reason}): check the path"
                )
            ],
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PlaybookError(
            source,
            [
                PlaybookProblem(
                    "file",
                    f"not UTF-8 text (invalid byte at offset {error.start}): "
                    "save the file as UTF-8",
                )
            ],
        ) from None
    return parse_playbook(text, source)


def parse_playbook(text: str, source_name: str) -> Playbook:
    """Parse and validate playbook TOML; ``source_name`` names it in messages.

    Raises:
        PlaybookError: the text is not valid TOML or breaks a playbook rule.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PlaybookError(source_name, [_syntax_problem(error)]) from None

    problems: list[PlaybookProblem] = []
    root = TableReader(data, "", _ROOT_KEYS, problems)
    key = root.key("key")
    name = root.local_text("name")
    version = root.integer("version", required=True, minimum=1) or 0
    base_currency = _read_currency(root, "base_currency", default=None)
    intake = _read_intake(root)
    states = _read_states(root, problems)
    series = _read_all_series(root, states, base_currency, problems)
    if problems:
        raise PlaybookError(source_name, problems)
    return Playbook(
        key=key,
        name=name,
        version=version,
        states=states,
        series=series,
        base_currency=base_currency,
        intake=intake,
        source=source_name,
    )


def shipped_playbooks() -> list[Playbook]:
    """Return the playbooks shipped in ``crmdesk.resources/playbooks``, by file name."""
    return list(_load_shipped())


def shipped_playbook(key: str) -> Playbook:
    """Return the shipped playbook with this key.

    Raises:
        NotFoundError: no shipped playbook has this key; the message lists the keys.
    """
    playbooks = _load_shipped()
    for playbook in playbooks:
        if playbook.key == key.strip().lower():
            return playbook
    choices = ", ".join(p.key for p in playbooks)
    raise NotFoundError(
        f"no shipped playbook has the key {key!r}: choose one of {choices}"
    )


@functools.cache
def _load_shipped() -> tuple[Playbook, ...]:
    folder = resources.files("crmdesk.resources") / "playbooks"
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )
    return tuple(
        parse_playbook(entry.read_text(encoding="utf-8"), f"playbooks/{entry.name}")
        for entry in files
    )


def _syntax_problem(error: tomllib.TOMLDecodeError) -> PlaybookProblem:
    # Python 3.11 puts the location only in the message, as "(at line 3, column 9)".
    message = str(error)
    match = _TOML_LOCATION.search(message)
    location = match.group(1) if match else "file"
    detail = message[: match.start()] if match else message
    return PlaybookProblem(
        location, f"invalid TOML: {detail}: fix the syntax at this place"
    )


def _read_currency(table: TableReader, key: str, default: str | None) -> str:
    raw = table.text(key, required=default is None)
    if raw is None:
        return default or ""
    try:
        return check_currency(raw)
    except ValidationError:
        table.problem(
            key,
            f"invalid currency code {raw!r}: use an ISO 4217 code such as CNY or USD",
        )
        return ""


def _read_intake(root: TableReader) -> Intake:
    raw = root.text("intake", required=False)
    if raw is None:
        return Intake.LEADS
    try:
        return Intake(raw)
    except ValueError:
        root.problem(
            "intake",
            f"invalid intake {raw!r}: use leads (a leads inbox first) or customers "
            "(reps register customers directly)",
        )
        return Intake.LEADS


def _read_states(
    root: TableReader, problems: list[PlaybookProblem]
) -> tuple[CustomerStateDef, ...]:
    states: list[CustomerStateDef] = []
    seen: dict[str, str] = {}
    for path, data in root.tables("states", required=True):
        table = TableReader(data, path, _STATE_KEYS, problems)
        key = table.key("key")
        if key and key in seen:
            table.problem(
                "key",
                f"duplicate state key {key!r} (also at {seen[key]}): "
                "give each customer state its own key",
            )
        seen.setdefault(key, path)
        states.append(CustomerStateDef(key=key, name=table.local_text("name")))
    return tuple(states)


def _read_all_series(
    root: TableReader,
    states: tuple[CustomerStateDef, ...],
    base_currency: str,
    problems: list[PlaybookProblem],
) -> tuple[SeriesDef, ...]:
    state_order = {state.key: index for index, state in enumerate(states)}
    result: list[SeriesDef] = []
    seen: dict[str, str] = {}
    for path, data in root.tables("series", required=False, label_key="key"):
        table = TableReader(data, path, _SERIES_KEYS, problems)
        key = table.key("key")
        if key and key in seen:
            table.problem(
                "key",
                f"duplicate series key {key!r} (also at {seen[key]}): "
                "give each series its own key",
            )
        seen.setdefault(key, path)
        result.append(_read_series(table, key, state_order, base_currency, problems))
    return tuple(result)


def _read_series(
    table: TableReader,
    key: str,
    state_order: dict[str, int],
    base_currency: str,
    problems: list[PlaybookProblem],
) -> SeriesDef:
    name = table.local_text("name")
    team = table.key("team")
    start_state = _read_state_reference(table, "start_state", state_order)
    end_state = _read_state_reference(table, "end_state", state_order)
    if start_state and end_state and state_order[end_state] < state_order[start_state]:
        table.problem(
            "end_state",
            f"end state {end_state!r} comes before start state {start_state!r} in "
            "the states list: a won deal moves the customer forward, so pick a "
            "later end state or reorder the states",
        )
    currency = _read_currency(table, "currency", default=base_currency)
    rules = _read_rules(table, problems)
    stages = _read_stages(table, problems)
    reasons = _read_reasons(table, problems)
    return SeriesDef(
        key=key,
        name=name,
        team=team,
        start_state=start_state,
        end_state=end_state,
        rules=rules,
        stages=stages,
        reasons=reasons,
        currency=currency,
    )


def _read_state_reference(
    table: TableReader, key: str, state_order: dict[str, int]
) -> str:
    value = table.text(key, required=True)
    if value is None:
        return ""
    if value not in state_order:
        choices = ", ".join(state_order) or "none defined"
        table.problem(
            key,
            f"unknown customer state {value!r}: use the key of one of the "
            f"playbook's states ({choices})",
        )
        return ""
    return value


def _read_rules(table: TableReader, problems: list[PlaybookProblem]) -> SeriesRules:
    defaults = SeriesRules()
    data = table.table("rules")
    if data is None:
        return defaults
    rules = TableReader(data, table.child("rules"), _RULE_KEYS, problems)
    return SeriesRules(
        allow_skip=rules.flag("allow_skip", defaults.allow_skip),
        allow_backward=rules.flag("allow_backward", defaults.allow_backward),
        allow_reopen=rules.flag("allow_reopen", defaults.allow_reopen),
        checklist_gates=rules.flag("checklist_gates", defaults.checklist_gates),
    )


def _read_stages(
    series: TableReader, problems: list[PlaybookProblem]
) -> tuple[StageDef, ...]:
    stages: list[StageDef] = []
    paths: list[str] = []
    seen: dict[str, str] = {}
    for path, data in series.tables("stages", required=True):
        table = TableReader(data, path, _STAGE_KEYS, problems)
        key = table.key("key")
        if key and key in seen:
            table.problem(
                "key",
                f"duplicate stage key {key!r} (also at {seen[key]}): "
                "give each stage of a series its own key",
            )
        seen.setdefault(key, path)
        stages.append(_read_stage(table, key, problems))
        paths.append(path)
    if stages:
        _check_stage_order(series, stages, paths)
    return tuple(stages)


def _read_stage(
    table: TableReader, key: str, problems: list[PlaybookProblem]
) -> StageDef:
    name = table.local_text("name")
    kind = StageKind.OPEN
    raw_kind = table.text("kind", required=False)
    if raw_kind is not None:
        try:
            kind = StageKind(raw_kind)
        except ValueError:
            table.problem(
                "kind",
                f"invalid stage kind {raw_kind!r}: use open, won or lost",
            )
    probability = _read_probability(table, kind)
    exit_criterion = table.local_text("exit_criterion", required=False)
    checklist = _read_checklist(table, problems)
    if kind.is_result and checklist:
        table.problem(
            "checklist",
            f"the {kind.value} stage has a checklist, but checklist actions gate "
            "only open stages: move the actions to an open stage",
        )
    approvals = _read_approvals(table, problems)
    if kind.is_result and approvals:
        table.problem(
            "approvals",
            f"the {kind.value} stage has approvals, but approvals start only on "
            "open stages: move them to an open stage",
        )
    return StageDef(
        key=key,
        name=name,
        kind=kind,
        default_probability=probability,
        exit_criterion=exit_criterion,
        checklist=checklist,
        approvals=approvals,
    )


def _read_probability(table: TableReader, kind: StageKind) -> int:
    fixed = _RESULT_PROBABILITY.get(kind)
    value = table.integer("default_probability", required=fixed is None)
    if value is None:
        return fixed if fixed is not None else 0
    if not 0 <= value <= 100:
        table.problem(
            "default_probability",
            f"probability {value} is out of range: write a whole number of percent "
            "from 0 to 100",
        )
    elif fixed is not None and value != fixed:
        table.problem(
            "default_probability",
            f"a {kind.value} stage has probability {fixed}, not {value}: "
            f"write {fixed} or remove the key",
        )
    return value


def _read_checklist(
    stage: TableReader, problems: list[PlaybookProblem]
) -> tuple[ChecklistActionDef, ...]:
    actions: list[ChecklistActionDef] = []
    seen: dict[str, str] = {}
    for path, data in stage.tables("checklist", required=False):
        table = TableReader(data, path, _ACTION_KEYS, problems)
        key = table.key("key")
        if key and key in seen:
            table.problem(
                "key",
                f"duplicate action key {key!r} (also at {seen[key]}): "
                "give each action of a stage its own key",
            )
        seen.setdefault(key, path)
        activity = table.text("activity", required=False)
        if activity is not None and activity not in ACTIVITY_TYPES:
            table.problem(
                "activity",
                f"unknown activity type {activity!r}: use one of "
                + ", ".join(ACTIVITY_TYPES)
                + ", or remove the key for an action ticked by hand",
            )
        actions.append(
            ChecklistActionDef(
                key=key,
                name=table.local_text("name"),
                required=table.flag("required", False),
                activity=activity,
            )
        )
    return tuple(actions)


def _read_approvals(
    stage: TableReader, problems: list[PlaybookProblem]
) -> tuple[ApprovalTypeDef, ...]:
    approvals: list[ApprovalTypeDef] = []
    seen: dict[str, str] = {}
    for path, data in stage.tables("approvals", required=False):
        table = TableReader(data, path, _APPROVAL_KEYS, problems)
        key = table.key("key")
        if key and key in seen:
            table.problem(
                "key",
                f"duplicate approval key {key!r} (also at {seen[key]}): "
                "give each approval of a stage its own key",
            )
        seen.setdefault(key, path)
        approvals.append(
            ApprovalTypeDef(
                key=key,
                name=table.local_text("name"),
                blocks_promotion=table.flag("blocks_promotion", True),
            )
        )
    return tuple(approvals)


def _check_stage_order(
    series: TableReader, stages: list[StageDef], paths: list[str]
) -> None:
    counts = {kind: sum(s.kind is kind for s in stages) for kind in StageKind}
    if counts[StageKind.OPEN] == 0:
        series.problem(
            "stages",
            "the series has no open stage: add at least one stage with "
            'kind = "open" before the won and lost stages',
        )
    for kind in (StageKind.WON, StageKind.LOST):
        if counts[kind] != 1:
            series.problem(
                "stages",
                f"the series has {counts[kind]} {kind.value} stages: it needs "
                f'exactly one stage with kind = "{kind.value}"',
            )
    first_result: int | None = None
    for index, stage in enumerate(stages):
        if stage.kind.is_result and first_result is None:
            first_result = index
        elif stage.kind is StageKind.OPEN and first_result is not None:
            series.problem(
                paths[index].removeprefix(series.path + ".") + ".kind",
                f"open stage {stage.key!r} comes after the "
                f"{stages[first_result].kind.value} stage "
                f"{stages[first_result].key!r}: put every open stage before the "
                "won and lost stages",
            )


def _read_reasons(
    series: TableReader, problems: list[PlaybookProblem]
) -> tuple[ReasonDef, ...]:
    reasons: list[ReasonDef] = []
    seen: dict[tuple[OutcomeResult, str], str] = {}
    for path, data in series.tables("reasons", required=True):
        table = TableReader(data, path, _REASON_KEYS, problems)
        key = table.key("key")
        result = OutcomeResult.LOST
        raw_result = table.text("result", required=True)
        if raw_result is not None:
            try:
                result = OutcomeResult(raw_result)
            except ValueError:
                table.problem(
                    "result", f"invalid reason result {raw_result!r}: use won or lost"
                )
        if key and (result, key) in seen:
            table.problem(
                "key",
                f"duplicate {result.value} reason key {key!r} (also at "
                f"{seen[result, key]}): give each reason its own key",
            )
        seen.setdefault((result, key), path)
        reasons.append(
            ReasonDef(
                key=key,
                name=table.local_text("name"),
                result=result,
                note_required=table.flag("note_required", False),
            )
        )
    if not any(reason.result is OutcomeResult.LOST for reason in reasons):
        series.problem(
            "reasons",
            "the series has no lost reason: add a [[series.reasons]] table with "
            'result = "lost", such as an "other" reason with note_required = true',
        )
    return tuple(reasons)
