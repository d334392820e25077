"""What every rule family sees: one Arrow batch with per-row thresholds, and the `Rule` record.

A family module computes its signals (`compute(view) -> {name: values}`) and declares `Rule`s whose
`fires(view, signals)` compares those signals to the row's thresholds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.filters.config import FilterSettings

FILE, PAGE, ANY = "file", "page", "any"  # file rows have no url; web pages have one


@dataclass(frozen=True)
class Rule:
    reason: str
    scope: str  # FILE, PAGE or ANY
    fires: Callable[[BatchView, dict], np.ndarray]  # boolean mask over the batch's rows
    detail: str | None = None  # signal whose value is appended to the reason (`reason:value`)


class BatchView:
    """Read-only access to a batch's columns, tolerant of missing ones (files have no nl_language)."""

    def __init__(self, batch: pa.RecordBatch, settings: FilterSettings, benchmark_index=None, quality_model=None):
        self.batch = batch
        self.settings = settings
        self.benchmark_index = benchmark_index  # decontaminate.BenchmarkIndex, or None: no decontamination
        self.quality_model = quality_model  # quality.QualityModel, or None: no quality_score
        self.num_rows = batch.num_rows
        self._limit_arrays: dict[str, np.ndarray] = {}

    def column(self, name: str) -> pa.Array:
        """The column, or all nulls when the input has no such column."""
        index = self.batch.schema.get_field_index(name)
        return self.batch.column(index) if index >= 0 else pa.nulls(self.num_rows, pa.string())

    @cached_property
    def content(self) -> pa.Array:
        return pc.fill_null(self.column("content").cast(pa.large_string()), "")

    @cached_property
    def content_bytes(self) -> pa.Array:
        """The content as bytes (a zero-copy view of the same buffers): what the parser reads."""
        return self.content.cast(pa.large_binary())

    def text(self, row: int) -> str:
        """One row's content as a Python string (rules work on Arrow arrays; a few look at single rows)."""
        return self.content[row].as_py()

    @cached_property
    def languages(self) -> list[str | None]:
        return self.column("language").cast(pa.string()).to_pylist()

    @cached_property
    def is_page(self) -> np.ndarray:
        return self.column("url").is_valid().to_numpy(zero_copy_only=False)

    def limit(self, key: str) -> np.ndarray:
        """Per-row value of a `Thresholds` field, from each row's language."""
        if key not in self._limit_arrays:
            values = {name: getattr(self.settings.for_language(name), key) for name in set(self.languages)}
            self._limit_arrays[key] = np.array([values[name] for name in self.languages])
        return self._limit_arrays[key]


def to_numpy(values: pa.Array) -> np.ndarray:
    return values.to_numpy(zero_copy_only=False)
