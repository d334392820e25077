"""`corpus stats PATH`: what a dataset holds, by language, source, repository, domain or reject reason.

Totals and reject reasons come from `_manifest.json`; a breakdown reads only the columns it needs
(pyarrow, column projection), and `--scan` recounts everything from the Parquet files themselves.
"""

from __future__ import annotations

import argparse
import json
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from pipeline.config import UsageError
from pipeline.io import manifest, storage

GROUP_COLUMNS = {
    "language": "language",
    "source": "source",
    "repo": "repo_name",
    "domain": "domain",
    "reason": "reason",
    "nl_language": "nl_language",
}


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="corpus stats", description=__doc__)
    parser.add_argument("path", help="a dataset folder (files, pages, samples, _rejects, tokens)")
    parser.add_argument(
        "--by", choices=sorted(GROUP_COLUMNS), help="group by (default: language; reason for a _rejects folder)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--scan", action="store_true", help="recount from the Parquet files, not the manifest")
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
    by = args.by or ("reason" if args.path.rstrip("/").endswith(manifest.REJECTS) else "language")
    groups = breakdown(args.path, by)
    summary = totals(args.path, args.scan) if found or args.scan else None
    if args.json:
        print(json.dumps({"path": args.path, "by": by, "groups": groups, "totals": summary}, indent=2))
        return 0
    print(format_table(groups, by))
    if summary and summary.get("rejects_by_reason"):
        print(
            f"\nrejected: {summary['rejected']:,} rows; by reason: "
            + ", ".join(f"{k} {v:,}" for k, v in summary["rejects_by_reason"].items())
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
