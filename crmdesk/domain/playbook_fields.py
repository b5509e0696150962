"""Typed reading of one TOML table of a playbook file, collecting problems.

``TableReader`` checks keys and value types and records a ``PlaybookProblem`` for
each mistake instead of raising, so one pass over a file can report all of them.
A reader method that finds a problem returns a neutral value ("" or None). The
caller raises once the whole file has been read, so those values never escape.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from crmdesk.domain.playbook import LocalText

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
MAX_KEY_LENGTH = 80
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class PlaybookProblem:
    """One problem of a playbook file: its key path (or line) and what to change."""

    path: str
    message: str


def describe_type(value: object) -> str:
    """Return the TOML name of a value's type, with an article, for messages."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a decimal number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return f"a date or time ({value.isoformat()})"
    return type(value).__name__


class TableReader:
    """Typed access to one TOML table at a key path, recording problems."""

    def __init__(
        self,
        data: dict[str, Any],
        path: str,
        allowed: Sequence[str],
        problems: list[PlaybookProblem],
    ) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        for key in data:
            if key not in allowed:
                self._unknown_key(key, allowed)

    def child(self, key: str) -> str:
        """Return the key path of ``key`` inside this table."""
        return f"{self.path}.{key}" if self.path else key

    def problem(self, key: str, message: str) -> None:
        """Record a problem at ``key`` (a key or relative path) of this table."""
        self.problems.append(PlaybookProblem(self.child(key), message))

    def text(self, key: str, *, required: bool) -> str | None:
        """Return a string value, or None when it is missing or not a string."""
        value = self._get(key, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            self._wrong_type(key, "a string in double quotes", value)
            return None
        return value

    def key(self, key: str) -> str:
        """Return a required identifier such as ``trial-booked``."""
        value = self.text(key, required=True)
        if value is None:
            return ""
        if len(value) > MAX_KEY_LENGTH or not KEY_PATTERN.match(value):
            self.problem(
                key,
                f"invalid key {value!r}: use at most {MAX_KEY_LENGTH} lower-case "
                "letters, digits, '-' and '_', starting with a letter or digit "
                "(such as trial-booked)",
            )
            return ""
        return value

    def local_text(self, prefix: str, *, required: bool = True) -> LocalText:
        """Return the English and Chinese texts ``<prefix>_en`` and ``<prefix>_zh``.

        Required texts must not be blank and are labels of at most
        ``MAX_NAME_LENGTH`` characters; optional ones default to "".
        """
        texts: list[str] = []
        for language in ("en", "zh"):
            key = f"{prefix}_{language}"
            value = self.text(key, required=required)
            if value is None:
                texts.append("")
                continue
            if required and not value.strip():
                self.problem(key, "the text is blank: write the label")
            elif required and len(value) > MAX_NAME_LENGTH:
                self.problem(
                    key,
                    f"the label has {len(value)} characters: shorten it to at most "
                    f"{MAX_NAME_LENGTH}",
                )
            texts.append(value)
        return LocalText(en=texts[0], zh=texts[1])

    def integer(
        self, key: str, *, required: bool, minimum: int | None = None
    ) -> int | None:
        """Return a whole-number value, or None when it is missing or invalid."""
        value = self._get(key, required=required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong_type(key, "a whole number without quotes", value)
            return None
        if minimum is not None and value < minimum:
            self.problem(
                key, f"{value} is too small: write a whole number of {minimum} or more"
            )
            return None
        return value

    def flag(self, key: str, default: bool) -> bool:
        """Return a boolean value, or ``default`` when it is missing or invalid."""
        value = self._get(key, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._wrong_type(key, "true or false without quotes", value)
            return default
        return value

    def table(self, key: str) -> dict[str, Any] | None:
        """Return an optional sub-table, or None when it is missing or invalid."""
        value = self._get(key, required=False)
        if value is None:
            return None
        if not isinstance(value, dict):
            self._wrong_type(key, f"a table such as [{self.child(key)}]", value)
            return None
        return value

    def tables(
        self, key: str, *, required: bool, label_key: str | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """Return the tables of an array of tables with the key path of each.

        Paths use the index (``stages[2]``); with ``label_key`` they use that key's
        value where it is a valid, first-seen identifier (``series.trial``).
        """
        value = self._get(key, required=required)
        if value is None:
            return []
        if not isinstance(value, list):
            self._wrong_type(key, f"an array of tables such as [[{key}]]", value)
            return []
        if required and not value:
            self.problem(key, f"the array is empty: add at least one [[{key}]] table")
        result: list[tuple[str, dict[str, Any]]] = []
        labels: set[str] = set()
        for index, item in enumerate(value):
            path = f"{self.child(key)}[{index}]"
            if not isinstance(item, dict):
                self.problems.append(
                    PlaybookProblem(
                        path,
                        f"expected a table, found {describe_type(item)}: "
                        f"write each entry as a [[{key}]] table",
                    )
                )
                continue
            label = item.get(label_key) if label_key else None
            if (
                isinstance(label, str)
                and KEY_PATTERN.match(label)
                and label not in labels
            ):
                labels.add(label)
                path = f"{self.child(key)}.{label}"
            result.append((path, item))
        return result

    def _get(self, key: str, *, required: bool) -> Any:
        if key in self.data:
            return self.data[key]
        if required:
            self.problem(key, f"missing required key {key!r}: add it to this table")
        return None

    def _wrong_type(self, key: str, expected: str, value: object) -> None:
        self.problem(
            key, f"wrong type: expected {expected}, found {describe_type(value)}"
        )

    def _unknown_key(self, key: str, allowed: Sequence[str]) -> None:
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        self.problem(
            key,
            f"unknown key {key!r}: {hint}valid keys here are " + ", ".join(allowed),
        )
