"""`corpus stats PATH`: what a dataset holds, by language, source, repository, domain or reject reason.

Totals and reject reasons come from `_manifest.json`; a breakdown reads only the columns it needs
(pyarrow, column projection), and `--scan` recounts everything from the Parquet files themselves.
Rows brought in by `corpus ingest-dataset` carry the source's own label (`source_language`): the
stats then show where it and our detection (`language`, or `nl_language` for text) disagree, the top
disagreements as a matrix, which is how mislabelled data is found.
"""

from __future__ import annotations

import argparse
import json
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from pipeline.config import UsageError
from pipeline.filters.docs import category_breakdown
from pipeline.filters.screening_stats import format_signal_summary, signal_summary
from pipeline.io import manifest, storage

GROUP_COLUMNS = {
    "language": "language",
    "source": "source",
    "repo": "repo_name",
    "domain": "domain",
    "reason": "reason",
    "nl_language": "nl_language",
    "source_language": "source_language",
}
REDACTED_PREFIX = "redacted_"  # the redact stage's per-row counts: redacted_email, redacted_ip...
DISAGREEMENT_TOP = 8  # rows and columns of the disagreement matrix


def open_dataset(path: str) -> pads.Dataset:
    files = storage.list_parquet_files(path)
    if not files:
        raise UsageError(f"{path} holds no Parquet files")
    fs, _ = storage.filesystem(files[0])
    return pads.dataset([storage.filesystem(f)[1] for f in files], format="parquet", filesystem=fs)


def breakdown(path: str, by: str = "language") -> list[dict]:
    """Rows and bytes per group, largest first, with each group's share of the bytes."""
    dataset = open_dataset(path)
    column = GROUP_COLUMNS[by]
    if column not in dataset.schema.names:
        raise UsageError(f"{path} has no column '{column}' to group by")
    size_column = "size_bytes" if "size_bytes" in dataset.schema.names else None
    table = dataset.to_table(columns=[column] + ([size_column] if size_column else []))
    keys = table.column(column)
    if by == "reason":  # the kind of reason: `near_duplicate_of:<id>` -> `near_duplicate_of`
        keys = pa.chunked_array([pc.list_element(pc.split_pattern(c, ":", max_splits=1), 0) for c in keys.chunks])
    sizes = table.column(size_column) if size_column else pa.array([0] * len(table), pa.int64())
    grouped = (
        pa.table({"key": keys, "size": pc.fill_null(sizes, 0)})
        .group_by("key")
        .aggregate([("size", "count"), ("size", "sum")])
    )
    total_bytes = sum(grouped.column("size_sum").to_pylist()) or 1
    rows = [
        {"key": k if k is not None else "(unknown)", "rows": n, "bytes": b, "share": b / total_bytes}
        for k, n, b in zip(
            grouped.column("key").to_pylist(),
            grouped.column("size_count").to_pylist(),
            grouped.column("size_sum").to_pylist(),
            strict=True,
        )
    ]
    return sorted(rows, key=lambda r: (-r["bytes"], -r["rows"], r["key"]))


def language_disagreements(path: str, top: int = DISAGREEMENT_TOP) -> dict | None:
    """Where the source's label (`source_language`) and our detection disagree, or None when the
    dataset has no source labels. Labels are compared by our language names (`python`, `py` and
    `Python` agree); a row our detection leaves unknown is `(none)`. `pairs`: (source label, ours,
    rows) largest first; `matrix`: rows for the `top` source labels, columns for the `top` labels of
    ours among the disagreements."""
    dataset = open_dataset(path)
    names = dataset.schema.names
    if "source_language" not in names:
        return None
    ours = "nl_language" if "nl_language" in names else "language"
    if ours not in names:
        return None
    table = dataset.to_table(columns=["source_language", ours]).filter(pc.is_valid(pc.field("source_language")))
    grouped = table.group_by(["source_language", ours]).aggregate([("source_language", "count")])
    agree = disagree = 0
    pairs: dict[tuple[str, str], int] = {}
    for theirs, detected, count in zip(
        grouped.column("source_language").to_pylist(),
        grouped.column(ours).to_pylist(),
        grouped.column("source_language_count").to_pylist(),
        strict=True,
    ):
        if _same_language(theirs, detected):
            agree += count
            continue
        disagree += count
        key = (theirs, detected or "(none)")
        pairs[key] = pairs.get(key, 0) + count
    ordered = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    by_source: dict[str, int] = {}
    by_ours: dict[str, int] = {}
    for (theirs, detected), count in ordered:
        by_source[theirs] = by_source.get(theirs, 0) + count
        by_ours[detected] = by_ours.get(detected, 0) + count
    rows = sorted(by_source, key=lambda k: (-by_source[k], k))[:top]
    columns = sorted(by_ours, key=lambda k: (-by_ours[k], k))[:top]
    return {
        "ours": ours,
        "compared": agree + disagree,
        "agree": agree,
        "disagree": disagree,
        "pairs": [{"source_language": t, ours: d, "rows": n} for (t, d), n in ordered],
        "matrix": {"rows": rows, "columns": columns, "counts": [[pairs.get((r, c), 0) for c in columns] for r in rows]},
    }


def _same_language(theirs: str, ours: str | None) -> bool:
    if ours is None:
        return False
    return _canonical(theirs) == _canonical(ours)


def _canonical(label: str) -> str:
    from pipeline.langs.registry import default_registry

    spec = default_registry().get(label) or default_registry().get(label.replace("-", " "))
    return (spec.name if spec else label).lower()


def format_disagreements(found: dict) -> str:
    compared = found["compared"] or 1
    lines = [
        f"source_language vs our {found['ours']}: {found['compared']:,} rows compared, "
        f"{found['disagree']:,} disagree ({found['disagree'] / compared:.1%})"
    ]
    matrix = found["matrix"]
    if matrix["rows"]:
        width = max(12, *(len(c[:16]) for c in matrix["columns"]))
        lines.append(f"{'source / ours':<20}" + "".join(f" {c[:16]:>{width}}" for c in matrix["columns"]))
        for label, counts in zip(matrix["rows"], matrix["counts"], strict=True):
            lines.append(f"{label[:20]:<20}" + "".join(f" {n:>{width},}" if n else f" {'.':>{width}}" for n in counts))
    return "\n".join(lines)


def totals(path: str, scan: bool = False) -> dict:
    """Rows and bytes kept and rejected; from the manifest unless `scan` (or there is none)."""
    found = manifest.read_manifest(path)
    if found and not scan:
        result = {
            "stage": found.get("stage"),
            "rows": found["output"]["rows"],
            "bytes": found["output"]["bytes"],
            "input_rows": found.get("input_rows"),
        }
        if "rejects" in found:
            result["rejected"] = found["rejects"]["rows"]
            result["rejects_by_reason"] = found.get("rejects_by_reason", {})
        return result
    stats = manifest.parquet_stats(path)
    result = {"stage": found.get("stage") if found else None, "rows": stats["rows"], "bytes": stats["bytes"]}
    rejects = storage.join(path, manifest.REJECTS)
    if storage.list_parquet_files(rejects):
        reasons = breakdown(rejects, "reason")
        result["rejected"] = sum(r["rows"] for r in reasons)
        result["rejects_by_reason"] = {r["key"]: r["rows"] for r in reasons}
    return result


def tokens_by_language(path: str) -> dict[str, int]:
    found = manifest.read_manifest(path) or {}
    return dict(found.get("tokens_by_language", {}))


def mix_rows(found: dict, languages: int = 5) -> list[dict]:
    """A `corpus mix` manifest's shares, one row per group then its largest languages: target share of
    the mix, and what the mix gives it (realized tokens with --materialize, else the blend's weights)."""
    rows = []
    for group in (found.get("mix") or {}).get("groups", []):
        rows.append(
            {
                "group": group["name"],
                "language": "(all)",
                "available": group["available_tokens"],
                "target": group["target_share"],
                "got": group.get("realized_share", group.get("blend_share")),
                "epochs": group["epochs"],
            }
        )
        for lang in group["languages"][:languages]:
            rows.append(
                {
                    "group": group["name"],
                    "language": lang["language"],
                    "available": lang["available"],
                    "target": lang["share_of_mix"],
                    "got": lang.get("realized_share", lang.get("blend_share")),
                    "epochs": lang["epochs"],
                }
            )
    return rows


def format_mix(found: dict) -> str:
    got = "realized" if (found.get("mix") or {}).get("realized_tokens") is not None else "blend"
    header = f"{'group':<10} {'language':<20} {'available':>14} {'target':>8} {got:>9} {'epochs':>7}"
    lines = [header, "-" * len(header)]
    for row in mix_rows(found):
        lines.append(
            f"{row['group']:<10} {row['language'][:20]:<20} {row['available']:>14,} {row['target']:>8.2%} "
            f"{row['got'] or 0:>9.2%} {row['epochs']:>7.2f}"
        )
    return "\n".join(lines)


def format_table(rows: list[dict], key_title: str, tokens: dict[str, int] | None = None) -> str:
    header = f"{key_title:<28} {'rows':>10} {'bytes':>14} {'share':>7}" + (f" {'tokens':>12}" if tokens else "")
    lines = [header, "-" * len(header)]
    for row in rows:
        line = f"{str(row['key'])[:28]:<28} {row['rows']:>10,} {row['bytes']:>14,} {row['share']:>6.1%}"
        if tokens:
            line += f" {tokens.get(row['key'], 0):>12,}"
        lines.append(line)
    lines.append(f"{'total':<28} {sum(r['rows'] for r in rows):>10,} {sum(r['bytes'] for r in rows):>14,}")
    return "\n".join(lines)


def redaction_counts(path: str) -> dict[str, int] | None:
    """Findings replaced per kind, summed over the redact stage's `redacted_<kind>` columns (None without)."""
    dataset = open_dataset(path)
    columns = [name for name in dataset.schema.names if name.startswith(REDACTED_PREFIX)]
    if not columns:
        return None
    table = dataset.to_table(columns=columns)
    return {name[len(REDACTED_PREFIX) :]: int(pc.sum(table.column(name)).as_py() or 0) for name in columns}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="corpus stats", description=__doc__)
    parser.add_argument("path", help="a dataset folder (files, pages, samples, _rejects, tokens)")
    parser.add_argument(
        "--by", choices=sorted(GROUP_COLUMNS), help="group by (default: language; reason for a _rejects folder)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--scan", action="store_true", help="recount from the Parquet files, not the manifest")
    parser.add_argument(
        "--signals",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="quality-screening signals per language, when the dataset has them (filter output)",
    )
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    found = manifest.read_manifest(args.path)
    if found and found.get("stage") == "tokenize":
        tokens = tokens_by_language(args.path)
        report = {"stage": "tokenize", "tokens_by_language": tokens, "tokens": sum(tokens.values())}
        print(
            json.dumps(report, indent=2)
            if args.json
            else "\n".join(f"{k:<28} {v:>14,}" for k, v in sorted(tokens.items(), key=lambda kv: -kv[1]))
        )
        return 0
    if found and found.get("stage") == "mix":
        print(json.dumps({"stage": "mix", "mix": found.get("mix")}, indent=2) if args.json else format_mix(found))
        return 0
    by = args.by or ("reason" if args.path.rstrip("/").endswith(manifest.REJECTS) else "language")
    groups = breakdown(args.path, by)
    summary = totals(args.path, args.scan) if found or args.scan else None
    labels = language_disagreements(args.path)
    categories = category_breakdown(open_dataset(args.path))  # code / text (docs) / notebook / ..., apart
    signals = signal_summary(args.path) if args.signals else None
    redactions = redaction_counts(args.path)
    if args.json:
        report = {"path": args.path, "by": by, "groups": groups, "totals": summary}
        if labels is not None:
            report["language_disagreements"] = labels
        if signals is not None:
            report["screening"] = signals
        if categories is not None:
            report["categories"] = categories
        if redactions is not None:
            report["redactions"] = redactions
        print(json.dumps(report, indent=2))
        return 0
    print(format_table(groups, by))
    if categories:
        print("\n" + format_table(categories, "category"))
    if labels is not None and labels["compared"]:
        print("\n" + format_disagreements(labels))
    if redactions is not None:
        print("\nredactions (findings replaced): " + ", ".join(f"{k} {v:,}" for k, v in redactions.items()))
    if signals is not None:
        print("\nquality screening (this dataset and its _rejects):\n" + format_signal_summary(signals))
    if summary and summary.get("rejects_by_reason"):
        print(
            f"\nrejected: {summary['rejected']:,} rows; by reason: "
            + ", ".join(f"{k} {v:,}" for k, v in summary["rejects_by_reason"].items())
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
