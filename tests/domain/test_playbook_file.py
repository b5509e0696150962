"""Playbook files: the shipped playbooks load, and each validation rule rejects."""

from __future__ import annotations

import csv
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from helpers.data import MAVEN as MAVEN_FOLDER

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.playbook import OutcomeResult, StageKind
from crmdesk.domain.playbook_file import (
    ACTIVITY_TYPES,
    PlaybookError,
    load_playbook,
    parse_playbook,
    shipped_playbook,
    shipped_playbooks,
)

MAVEN = MAVEN_FOLDER / "sales_pipeline.csv"
RESOURCES = Path(__file__).parents[2] / "resources" / "playbooks"

HEADER = """\
key = "demo"
name_en = "Demo"
name_zh = "演示"
version = 1
base_currency = "CNY"

[[states]]
key = "prospect"
name_en = "Prospect"
name_zh = "潜在客户"

[[states]]
key = "customer"
name_en = "Customer"
name_zh = "客户"
"""

SERIES = """
[[series]]
key = "trial"
name_en = "Trial"
name_zh = "试听"
team = "front-end"
start_state = "prospect"
end_state = "customer"

[series.rules]
allow_skip = false

[[series.stages]]
key = "contact"
name_en = "Contact"
name_zh = "联系"
default_probability = 10

[[series.stages.checklist]]
key = "call"
name_en = "Call"
name_zh = "电话"
required = true
activity = "call"

[[series.stages]]
key = "booked"
name_en = "Booked"
name_zh = "已预约"
default_probability = 50

[[series.stages]]
key = "won"
name_en = "Won"
name_zh = "赢单"
kind = "won"

[[series.stages]]
key = "lost"
name_en = "Lost"
name_zh = "丢单"
kind = "lost"

[[series.reasons]]
key = "other"
result = "lost"
name_en = "Other"
name_zh = "其他"
note_required = true
"""

VALID = HEADER + SERIES


def edit(old: str, new: str, text: str = VALID) -> str:
    """Return ``text`` with the single occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def rejection(text: str) -> PlaybookError:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, "demo.toml")
    return caught.value


def assert_rejects(text: str, path: str, fragment: str) -> None:
    error = rejection(text)
    message = str(error)
    assert "demo.toml" in message
    assert f"{path}: " in message, message
    assert fragment in message, message
    matching = [p for p in error.problems if p.path == path]
    assert matching, [p.path for p in error.problems]
    assert any(fragment in p.message for p in matching), message


# Shipped playbooks ---------------------------------------------------------------


def test_shipped_playbooks_load() -> None:
    keys = sorted(p.key for p in shipped_playbooks())

    assert keys == ["b2b", "education", "studio"]


def test_shipped_files_match_resource_folder() -> None:
    files = sorted(path.name for path in RESOURCES.glob("*.toml"))

    assert files == ["b2b.toml", "education.toml", "studio.toml"]
    for name in files:
        direct = load_playbook(RESOURCES / name)
        assert direct == shipped_playbook(direct.key)


def test_education_states_in_lifecycle_order() -> None:
    playbook = shipped_playbook("education")

    assert playbook.base_currency == "CNY"
    assert [s.name.zh for s in playbook.states] == [
        "潜在客户",
        "保护期客户",
        "试听客户",
        "试听已交付",
        "正式客户",
        "转介绍客户",
    ]


def test_education_series_shape() -> None:
    playbook = shipped_playbook("education")

    assert len(playbook.series) == 3
    for series in playbook.series:
        kinds = [stage.kind for stage in series.stages]
        open_count = kinds.count(StageKind.OPEN)
        assert 3 <= open_count <= 5, series.key
        assert kinds[open_count:] == [StageKind.WON, StageKind.LOST], series.key
        assert series.name.en and series.name.zh
        others = [
            r
            for r in series.reasons
            if r.key == "other" and r.result is OutcomeResult.LOST
        ]
        assert len(others) == 1, series.key
        assert others[0].note_required
        assert any(r.result is OutcomeResult.WON for r in series.reasons)


def test_education_front_end_is_tightly_managed() -> None:
    front, middle, back = shipped_playbook("education").series

    assert front.team == "front-end"
    assert front.rules.checklist_gates
    assert not front.rules.allow_skip
    assert middle.team == "teaching"
    assert back.team == "back-end"
    assert not back.rules.checklist_gates
    assert back.rules.allow_skip


def test_education_valid_contact_stage() -> None:
    front = shipped_playbook("education").series[0]
    first = front.stages[0]

    assert first.key == "valid-contact"
    assert first.name.zh == "有效联系"
    assert "non-duplicate mobile number" in first.exit_criterion.en
    assert [s.name.zh for s in front.stages[-2:]] == ["赢单", "丢单"]


def test_education_checklists_mix_required_and_optional() -> None:
    actions = [
        action
        for series in shipped_playbook("education").series
        for stage in series.stages
        for action in stage.checklist
    ]
    activities = {action.activity for action in actions if action.activity}

    assert any(action.required for action in actions)
    assert any(not action.required for action in actions)
    assert activities <= set(ACTIVITY_TYPES)
    assert {"call", "email", "trial", "meeting"} <= activities


def test_b2b_probabilities_follow_maven_data() -> None:
    # Independent oracle: count deal stages in the sample data with csv.
    with MAVEN.open(newline="", encoding="ascii") as file:
        stages = Counter(row["deal_stage"] for row in csv.DictReader(file))
    closed = stages["Won"] + stages["Lost"]
    total = sum(stages.values())
    win_rate = stages["Won"] / closed
    reached_engaging = (total - stages["Prospecting"]) / total
    engaging = round(100 * win_rate)
    prospecting = round(100 * reached_engaging * win_rate)

    series = shipped_playbook("b2b").series[0]

    assert series.key == "b2b-sales"
    assert [s.key for s in series.stages] == ["prospecting", "engaging", "won", "lost"]
    assert series.stages[0].default_probability == prospecting
    assert series.stages[1].default_probability == engaging


def test_b2b_rules_and_reasons() -> None:
    playbook = shipped_playbook("b2b")
    series = playbook.series[0]

    assert playbook.base_currency == "USD"
    assert series.currency == "USD"
    assert [s.key for s in playbook.states] == ["prospect", "customer"]
    assert not series.rules.allow_skip
    assert series.rules.allow_backward
    assert series.rules.allow_reopen
    assert not series.rules.checklist_gates
    assert [s.name.zh for s in series.stages[:2]] == ["潜在", "接洽中"]
    notes = {(r.result, r.key) for r in series.reasons if r.note_required}
    assert (OutcomeResult.LOST, "other") in notes


def test_shipped_playbook_unknown_key() -> None:
    with pytest.raises(NotFoundError, match=r"'retail'.*b2b, education"):
        shipped_playbook("retail")


# Loading files -------------------------------------------------------------------


def test_load_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(VALID, encoding="utf-8")

    playbook = load_playbook(path)

    assert playbook.key == "demo"
    assert playbook.source == str(path)
    series = playbook.series[0]
    assert series.currency == "CNY"
    assert series.stages[2].default_probability == 100
    assert series.stages[3].default_probability == 0
    assert series.stages[0].checklist[0].activity == "call"
    assert series.rules.allow_backward


def test_load_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"

    with pytest.raises(PlaybookError, match=r"absent\.toml: file: cannot read"):
        load_playbook(path)


def test_load_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(VALID.encode("utf-8").replace(b"Demo", b"D\xe9mo"))

    with pytest.raises(PlaybookError, match=r"latin\.toml: file: not UTF-8"):
        load_playbook(path)


def test_playbook_error_is_validation_error() -> None:
    assert issubclass(PlaybookError, ValidationError)


def test_states_only_playbook() -> None:
    playbook = parse_playbook(HEADER, "demo.toml")

    assert playbook.series == ()
    assert [s.key for s in playbook.states] == ["prospect", "customer"]


# Validation rules ----------------------------------------------------------------


def test_toml_syntax_error_has_line_and_column() -> None:
    text = edit('name_en = "Demo"', 'name_en = "Demo')

    error = rejection(text)

    assert error.problems[0].path.startswith("line 2, column")
    assert "demo.toml: line 2, column" in str(error)
    assert "invalid TOML" in str(error)


def test_toml_repeated_key_is_syntax_error() -> None:
    text = edit("version = 1\n", "version = 1\nversion = 2\n")

    error = rejection(text)

    assert error.problems[0].path.startswith("line 5, column")
    assert "invalid TOML" in str(error)


def test_missing_required_key() -> None:
    text = edit('name_zh = "演示"\n', "")

    assert_rejects(text, "name_zh", "missing required key 'name_zh'")


def test_missing_stage_probability() -> None:
    text = edit("default_probability = 50\n", "")

    assert_rejects(
        text,
        "series.trial.stages[1].default_probability",
        "missing required key",
    )


def test_unknown_key_suggests_spelling() -> None:
    text = edit("allow_skip = false", "alow_skip = false")

    assert_rejects(text, "series.trial.rules.alow_skip", "did you mean 'allow_skip'")


def test_unknown_top_level_key() -> None:
    text = edit("version = 1\n", "version = 1\nowner = 'sales'\n")

    assert_rejects(text, "owner", "unknown key 'owner'")


def test_wrong_type_string_for_integer() -> None:
    text = edit("version = 1", 'version = "1"')

    assert_rejects(text, "version", "wrong type: expected a whole number")


def test_wrong_type_string_for_boolean() -> None:
    text = edit("required = true\nactivity", 'required = "yes"\nactivity')

    assert_rejects(
        text,
        "series.trial.stages[0].checklist[0].required",
        "expected true or false",
    )


def test_wrong_type_decimal_probability() -> None:
    text = edit("default_probability = 50", "default_probability = 50.5")

    assert_rejects(
        text, "series.trial.stages[1].default_probability", "found a decimal"
    )


@pytest.mark.parametrize("value", [101, 150, -1])
def test_probability_out_of_range(value: int) -> None:
    text = edit("default_probability = 50", f"default_probability = {value}")

    assert_rejects(
        text,
        "series.trial.stages[1].default_probability",
        f"probability {value} is out of range",
    )


def test_won_probability_must_be_100() -> None:
    text = edit('kind = "won"', 'kind = "won"\ndefault_probability = 90')

    assert_rejects(
        text,
        "series.trial.stages[2].default_probability",
        "a won stage has probability 100, not 90",
    )


def test_lost_probability_must_be_0() -> None:
    text = edit('kind = "lost"', 'kind = "lost"\ndefault_probability = 5')

    assert_rejects(
        text,
        "series.trial.stages[3].default_probability",
        "a lost stage has probability 0, not 5",
    )


def test_duplicate_state_key() -> None:
    text = edit('key = "customer"', 'key = "prospect"')

    assert_rejects(text, "states[1].key", "duplicate state key 'prospect'")


def test_duplicate_series_key() -> None:
    text = VALID + SERIES

    assert_rejects(text, "series[1].key", "duplicate series key 'trial'")


def test_duplicate_stage_key() -> None:
    text = edit('key = "booked"', 'key = "contact"')

    assert_rejects(text, "series.trial.stages[1].key", "duplicate stage key 'contact'")


def test_duplicate_action_key() -> None:
    action = '\n[[series.stages.checklist]]\nkey = "call"\nname_en = "Call again"\n'
    action += 'name_zh = "再次电话"\n'
    text = edit('activity = "call"\n', 'activity = "call"\n' + action)

    assert_rejects(
        text,
        "series.trial.stages[0].checklist[1].key",
        "duplicate action key 'call'",
    )


def test_duplicate_reason_key() -> None:
    reason = '\n[[series.reasons]]\nkey = "other"\nresult = "lost"\n'
    reason += 'name_en = "Other 2"\nname_zh = "其他2"\n'

    assert_rejects(
        VALID + reason,
        "series.trial.reasons[1].key",
        "duplicate lost reason key 'other'",
    )


def test_same_reason_key_for_won_and_lost() -> None:
    reason = '\n[[series.reasons]]\nkey = "other"\nresult = "won"\n'
    reason += 'name_en = "Other"\nname_zh = "其他"\n'

    playbook = parse_playbook(VALID + reason, "demo.toml")

    assert len(playbook.series[0].reasons) == 2


def test_unknown_start_state() -> None:
    text = edit('start_state = "prospect"', 'start_state = "lead"')

    assert_rejects(
        text,
        "series.trial.start_state",
        "unknown customer state 'lead': use the key of one of the playbook's "
        "states (prospect, customer)",
    )


def test_unknown_end_state() -> None:
    text = edit('end_state = "customer"', 'end_state = "client"')

    assert_rejects(text, "series.trial.end_state", "unknown customer state 'client'")


def test_end_state_before_start_state() -> None:
    text = edit('start_state = "prospect"', 'start_state = "customer"')
    text = edit('end_state = "customer"', 'end_state = "prospect"', text)

    assert_rejects(text, "series.trial.end_state", "comes before start state")


def test_no_won_stage() -> None:
    text = edit('kind = "won"', 'kind = "lost"')

    error = rejection(text)

    assert "series.trial.stages: the series has 0 won stages" in str(error)
    assert "series.trial.stages: the series has 2 lost stages" in str(error)


def test_two_won_stages() -> None:
    text = edit('kind = "lost"', 'kind = "won"')

    assert_rejects(text, "series.trial.stages", "the series has 2 won stages")


def test_no_open_stage() -> None:
    start = SERIES.index("[[series.stages]]")
    end = SERIES.index('[[series.stages]]\nkey = "won"')
    text = HEADER + SERIES[:start] + SERIES[end:]

    assert_rejects(text, "series.trial.stages", "the series has no open stage")


def test_open_stage_after_result_stage() -> None:
    booked = SERIES[
        SERIES.index('[[series.stages]]\nkey = "booked"') : SERIES.index(
            '[[series.stages]]\nkey = "won"'
        )
    ]
    text = edit(booked, "")
    text = edit("[[series.reasons]]", booked + "[[series.reasons]]", text)

    assert_rejects(
        text,
        "series.trial.stages[3].kind",
        "open stage 'booked' comes after the won stage 'won'",
    )


def test_missing_lost_reason() -> None:
    text = edit('result = "lost"', 'result = "won"')

    assert_rejects(text, "series.trial.reasons", "the series has no lost reason")


def test_invalid_reason_result() -> None:
    text = edit('result = "lost"', 'result = "lose"')

    assert_rejects(text, "series.trial.reasons[0].result", "use won or lost")


def test_invalid_base_currency() -> None:
    text = edit('base_currency = "CNY"', 'base_currency = "XYZ"')

    assert_rejects(text, "base_currency", "invalid currency code 'XYZ'")


def test_invalid_series_currency() -> None:
    text = edit('team = "front-end"', 'team = "front-end"\ncurrency = "dollars"')

    assert_rejects(text, "series.trial.currency", "invalid currency code 'dollars'")


def test_series_currency_normalised() -> None:
    text = edit('team = "front-end"', 'team = "front-end"\ncurrency = "usd"')

    assert parse_playbook(text, "demo.toml").series[0].currency == "USD"


def test_invalid_stage_kind() -> None:
    text = edit('kind = "won"', 'kind = "closed"')

    assert_rejects(text, "series.trial.stages[2].kind", "invalid stage kind 'closed'")


def test_unknown_activity_type() -> None:
    text = edit('activity = "call"', 'activity = "fax"')

    assert_rejects(
        text,
        "series.trial.stages[0].checklist[0].activity",
        "unknown activity type 'fax'",
    )


def test_invalid_key_format() -> None:
    text = edit('key = "booked"', 'key = "Trial Booked"')

    assert_rejects(text, "series.trial.stages[1].key", "invalid key 'Trial Booked'")


def test_blank_name() -> None:
    text = edit('name_en = "Booked"', 'name_en = "  "')

    assert_rejects(text, "series.trial.stages[1].name_en", "the text is blank")


def test_checklist_on_result_stage() -> None:
    action = '\n[[series.stages.checklist]]\nkey = "invoice"\n'
    action += 'name_en = "Invoice"\nname_zh = "发票"\n'
    text = edit(
        'name_zh = "赢单"\nkind = "won"\n', 'name_zh = "赢单"\nkind = "won"\n' + action
    )

    assert_rejects(text, "series.trial.stages[2].checklist", "has a checklist")


def test_missing_states() -> None:
    text = HEADER[: HEADER.index("[[states]]")]

    assert_rejects(text, "states", "missing required key 'states'")


def test_series_path_falls_back_to_index() -> None:
    text = edit('key = "trial"', "key = 7")

    error = rejection(text)

    assert any(p.path == "series[0].key" for p in error.problems)


def test_several_problems_reported_at_once() -> None:
    text = edit("allow_skip = false", "alow_skip = false")
    text = edit("default_probability = 50", "default_probability = 120", text)
    text = edit('base_currency = "CNY"', 'base_currency = "ABC"', text)

    error = rejection(text)

    assert len(error.problems) == 3
    assert "demo.toml (3 problems)" in str(error)
    assert sorted(p.path for p in error.problems) == [
        "base_currency",
        "series.trial.rules.alow_skip",
        "series.trial.stages[1].default_probability",
    ]


def test_shipped_files_are_plain_toml() -> None:
    # The loader must agree with a plain TOML read on the number of stages.
    for path in RESOURCES.glob("*.toml"):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        playbook = load_playbook(path)
        assert [len(s["stages"]) for s in raw.get("series", [])] == [
            len(s.stages) for s in playbook.series
        ]
