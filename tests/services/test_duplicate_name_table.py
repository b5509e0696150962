"""The name table of the duplicate index grows by appending, as an import adds leads.

A table grown name by name must return the same search results as a table built
from the whole list at once. The expected positions come from plain loops over
the list, not from the table.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crmdesk.services.duplicates import MIN_FUZZY_LENGTH, _NameTable

# Few letters, so names share parts and containment is common.
NAMES = st.lists(st.text(alphabet="ab北京", max_size=7), max_size=25)


def _containing(names: list[str], text: str) -> set[int]:
    return {position for position, name in enumerate(names) if text in name}


def _contained_in(names: list[str], text: str) -> set[int]:
    return {
        position
        for position, name in enumerate(names)
        if len(name) >= MIN_FUZZY_LENGTH and name in text
    }


@settings(max_examples=200, deadline=None)
@given(names=NAMES, split=st.integers(min_value=0, max_value=25), probe=NAMES)
def test_appended_table_matches_plain_search(names, split, probe):
    grown = _NameTable(names[:split])
    for name in names[split:]:
        grown.append(name)
    whole = _NameTable(names)

    assert grown.names == names
    assert grown.by_length == whole.by_length
    for text in [*probe, *names]:
        if not text:
            continue
        assert grown.containing(text) == _containing(names, text)
        assert grown.contained_in(text) == _contained_in(names, text)


def test_append_to_empty_table():
    table = _NameTable([])
    table.append("北京科技")
    table.append("")
    table.append("科技")

    assert table.containing("科技") == {0, 2}
    assert table.contained_in("北京科技有限") == {0}
    assert table.by_length == {4: (["北京科技"], [0]), 2: (["科技"], [2])}
