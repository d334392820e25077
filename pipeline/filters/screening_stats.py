"""Counts and distributions of the quality-screening signals, per language: what the filter's manifest
records (`screening_counts`), and what `corpus stats --signals` and the report show (`signal_summary`,
read from the Parquet files of a dataset and its `_rejects`)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from pipeline.io import manifest, storage

SCREENING_REASONS = (
    "syntax_errors",
    "long_function",
    "deep_nesting",
    "duplicated_lines",
    "few_comments",
    "short_identifiers",
    "low_quality",
)
DISTRIBUTIONS = (  # numeric signals whose quantiles are shown
    "syntax_error_fraction",
    "comment_fraction",
    "functions",
    "mean_function_lines",
    "max_function_lines",
    "max_nesting_depth",
    "mean_identifier_length",
    "duplicate_line_fraction",
    "quality_score",
)
QUANTILES = (0.1, 0.5, 0.9)
NOT_PARSED = "(not parsed)"


def _entry() -> dict:
    return {"files": 0, "parsed_clean": 0, "parsed_with_errors": 0, "not_parsed": {}, "screening_rejects": {}}


def _add(entry: dict, parsed, skipped, kind, count: int) -> None:
    entry["files"] += count
    if parsed is True:
        entry["parsed_clean"] += count
    elif parsed is False:
        entry["parsed_with_errors"] += count
    else:
        key = skipped or "unknown"
        entry["not_parsed"][key] = entry["not_parsed"].get(key, 0) + count
    if kind in SCREENING_REASONS:
        entry["screening_rejects"][kind] = entry["screening_rejects"].get(kind, 0) + count


def screening_counts(groups: Iterable[tuple]) -> dict:
    """From (language, parsed, parse_skipped, reason kind, rows) groups of file rows: totals and the
    same per language."""
    total = _entry()
    by_language: dict[str, dict] = {}
    for language, parsed, skipped, kind, count in groups:
        _add(total, parsed, skipped, kind, count)
        _add(by_language.setdefault(language or "(unknown)", _entry()), parsed, skipped, kind, count)
    ordered = dict(sorted(by_language.items(), key=lambda kv: (-kv[1]["files"], kv[0])))
    return {**total, "by_language": ordered}


def _dataset(path: str) -> pads.Dataset | None:
    files = storage.list_parquet_files(path)
    if not files:
        return None
    fs, _ = storage.filesystem(files[0])
    return pads.dataset([storage.filesystem(f)[1] for f in files], format="parquet", filesystem=fs)


def _tables(path: str) -> list[pa.Table]:
    """The screening columns of the dataset and of its `_rejects` (file rows only)."""
    tables = []
    for folder in (path, storage.join(path, manifest.REJECTS)):
        dataset = _dataset(folder)
        if (
            dataset is None
            or "parse_skipped" not in dataset.schema.names
            and "quality_score" not in dataset.schema.names
        ):
            continue
        names = dataset.schema.names
        wanted = [c for c in ("language", "url", "parsed", "parse_skipped", "reason", *DISTRIBUTIONS) if c in names]
        table = dataset.to_table(columns=wanted)
        if "url" in names:
            table = table.filter(pc.is_null(table.column("url")))
        columns = {}
        for name, kind in (("language", pa.string()), ("parsed", pa.bool_()), ("parse_skipped", pa.string())):
            present = name in table.column_names
            columns[name] = pc.cast(table.column(name), kind) if present else pa.nulls(len(table), kind)
        reason = table.column("reason") if "reason" in table.column_names else pa.nulls(len(table), pa.string())
        kind = pc.list_element(pc.split_pattern(pc.cast(reason, pa.string()), ":", max_splits=1), 0)
        columns["kind"] = pc.cast(kind, pa.string())
        for name in DISTRIBUTIONS:
            values = table.column(name) if name in table.column_names else pa.nulls(len(table), pa.float64())
            columns[name] = pc.cast(values, pa.float64())
        tables.append(pa.table(columns))
    return tables


def signal_summary(path: str) -> dict | None:
    """Per language: the counts of `screening_counts` and quantiles (QUANTILES) of each signal over the
    files that have it; None when the dataset has no screening columns."""
    tables = _tables(path)
    if not tables:
        return None
    table = pa.concat_tables(tables)
    groups = table.group_by(["language", "parsed", "parse_skipped", "kind"], use_threads=False).aggregate(
        [([], "count_all")]
    )
    summary = screening_counts(
        zip(
            groups.column("language").to_pylist(),
            groups.column("parsed").to_pylist(),
            groups.column("parse_skipped").to_pylist(),
            groups.column("kind").to_pylist(),
            groups.column("count_all").to_pylist(),
            strict=True,
        )
    )
    language = pc.fill_null(table.column("language"), "(unknown)")
    quantiles = pa.table({"language": language, **{n: table.column(n) for n in DISTRIBUTIONS}})
    digests = quantiles.group_by("language", use_threads=False).aggregate(
        [(n, "tdigest", pc.TDigestOptions(q=list(QUANTILES), skip_nulls=True)) for n in DISTRIBUTIONS]
    )
    for row in digests.to_pylist():
        entry = summary["by_language"].get(row["language"])
        if entry is not None:
            entry["quantiles"] = {n: row[f"{n}_tdigest"] for n in DISTRIBUTIONS if _valid(row[f"{n}_tdigest"])}
    return summary


def _valid(values) -> bool:
    return bool(values) and not any(v is None or math.isnan(v) for v in values)


def format_signal_summary(summary: dict, top: int = 30) -> str:
    """Two text tables: what happened to each language's files, and the medians (p10-p90) of the signals."""
    lines = [
        f"{'language':<22} {'files':>8} {'clean':>8} {'errors':>8} {'not parsed (why)':<34} screening rejects",
    ]
    for name, entry in list(summary["by_language"].items())[:top]:
        why = ", ".join(f"{k} {v:,}" for k, v in sorted(entry["not_parsed"].items(), key=lambda kv: -kv[1]))
        rejects = ", ".join(f"{k} {v:,}" for k, v in entry["screening_rejects"].items())
        lines.append(
            f"{name[:22]:<22} {entry['files']:>8,} {entry['parsed_clean']:>8,} {entry['parsed_with_errors']:>8,} "
            f"{why[:34]:<34} {rejects}"
        )
    shown = [n for n in DISTRIBUTIONS if any(n in e.get("quantiles", {}) for e in summary["by_language"].values())]
    if shown:
        lines += ["", "median (p10-p90) of each signal, files that have it:"]
        short = {n: n.replace("_fraction", "").replace("mean_", "").replace("max_", "max ")[:16] for n in shown}
        lines.append(f"{'language':<22}" + "".join(f" {short[n]:>18}" for n in shown))
        for name, entry in list(summary["by_language"].items())[:top]:
            cells = []
            for n in shown:
                q = entry.get("quantiles", {}).get(n)
                cells.append(f"{_num(q[1])} ({_num(q[0])}-{_num(q[2])})" if q else "-")
            lines.append(f"{name[:22]:<22}" + "".join(f" {c:>18}" for c in cells))
    return "\n".join(lines)


def _num(value: float) -> str:
    if value == int(value) and abs(value) >= 1:
        return f"{int(value)}"
    return f"{value:.3g}"
