"""Which row of a duplicate group is kept: a deterministic order over columns, best first.

A policy is written `column:desc,column:asc,...`. Columns missing from the input are skipped,
nulls sort last in either direction, and `id` ascending always breaks the remaining ties. The
default prefers the most recent commit (when a `commit_date` column exists), then the largest
file (a near-duplicate that adds content is the better copy), then the smallest id.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_POLICY = "commit_date:desc,size_bytes:desc,id:asc"


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool


def parse_policy(text: str, available: list[str] | None = None) -> list[SortKey]:
    """Sort keys of a policy string, keeping only `available` columns; always ends with id ascending."""
    keys = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        column, _, direction = item.partition(":")
        direction = direction.strip().lower() or "asc"
        if direction not in ("asc", "desc"):
            raise ValueError(f"keep policy '{item}': direction must be asc or desc")
        if available is None or column.strip() in available:
            keys.append(SortKey(column.strip(), direction == "desc"))
    if not any(k.column == "id" for k in keys):
        keys.append(SortKey("id", False))
    return keys[: [k.column for k in keys].index("id") + 1]  # nothing after id can matter


def policy_columns(keys: list[SortKey]) -> list[str]:
    return [k.column for k in keys]


class _Reversed:
    """Wraps a value so that sorting ascending orders it descending."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return other.value < self.value

    def __eq__(self, other):
        return self.value == other.value


def sort_key(row: dict, keys: list[SortKey]) -> tuple:
    """Python sort key equal to Spark's `asc_nulls_last`/`desc_nulls_last` ordering (best first)."""
    parts = []
    for key in keys:
        value = row.get(key.column)
        if value is not None and key.descending:
            value = _Reversed(value)
        parts.append((value is None, value))
    return tuple(parts)


def best(rows: list[dict], keys: list[SortKey]) -> dict:
    return min(rows, key=lambda row: sort_key(row, keys))
