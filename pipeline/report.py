"""The run summary (`make corpus` prints it) and `corpus report OUT_DIR` -> one self-contained report.html.

Everything is read from the stage folders under OUT_DIR: their manifests, plus a few columns of
the datasets (language, size, cluster) for the charts. Charts are inline SVG: no network to view.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os

from pipeline.filters.docs import category_breakdown
from pipeline.filters.screening_stats import SCREENING_REASONS, format_signal_summary, signal_summary
from pipeline.io import manifest, storage
from pipeline.stats import breakdown, format_mix, format_table, language_disagreements, mix_rows, open_dataset

FILE_DATASETS = ("files_dedup", "files_filtered", "files")  # the most processed one describes the corpus


def stage_folders(out: str) -> list[tuple[str, dict]]:
    """(folder name, manifest) of every finished stage under `out`, in the order they ran."""
    fs, root = storage.filesystem(out)
    import pyarrow.fs as pafs

    found = []
    for entry in fs.get_file_info(pafs.FileSelector(root, allow_not_found=True)):
        if entry.type == pafs.FileType.Directory:
            name = os.path.basename(entry.path)
            found_manifest = manifest.read_manifest(storage.join(out, name))
            if found_manifest:
                found.append((name, found_manifest))
    return sorted(found, key=lambda item: item[1].get("created_at", ""))


def funnel(out: str) -> list[dict]:
    rows = []
    for name, found in stage_folders(out):
        rows.append(
            {
                "folder": name,
                "stage": found.get("stage"),
                "input_rows": found.get("input_rows"),
                "rows": found.get("output", {}).get("rows", found.get("documents")),
                "bytes": found.get("output", {}).get("bytes"),
                "rejected": found.get("rejects", {}).get("rows", 0),
                "reasons": found.get("rejects_by_reason", {}),
                # the filter's quality screening (syntax_errors, low_quality...), counted apart from its rules
                "screening_rejected": sum(found.get("rejects_by_reason", {}).get(r, 0) for r in SCREENING_REASONS),
                "seconds": found.get("seconds"),
                "config": found.get("config", {}),
                "manifest": found,
            }
        )
    return rows


def _first_existing(out: str, names) -> str | None:
    for name in names:
        path = storage.join(out, name)
        if manifest.read_manifest(path):
            return path
    return None


def _counts(counts: dict) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counts.items())


def _screened(out: str) -> list[tuple[str, dict]]:
    """(folder, signal summary) of every filter output with screening columns."""
    found = []
    for name, written in stage_folders(out):
        if written.get("stage") == "filter":
            summary = signal_summary(storage.join(out, name))
            if summary is not None:
                found.append((name, summary))
    return found


def print_summary(out: str) -> None:
    print("\n== summary")
    print(f"{'stage':<16} {'output':<16} {'rows in':>9} {'kept':>9} {'rejected':>9}  reasons")
    for row in funnel(out):
        reasons = ", ".join(f"{k} {v:,}" for k, v in list(row["reasons"].items())[:5])
        rows_in = f"{row['input_rows']:,}" if row["input_rows"] is not None else "-"
        kept = f"{row['rows']:,}" if row["rows"] is not None else "-"
        print(f"{row['stage']:<16} {row['folder']:<16} {rows_in:>9} {kept:>9} {row['rejected']:>9,}  {reasons}")
        if row["screening_rejected"]:
            screened = {k: v for k, v in row["reasons"].items() if k in SCREENING_REASONS}
            print(f"{'':<16} {'  of which screening':<26} {row['screening_rejected']:>19,}  {_counts(screened)}")
    files = _first_existing(out, FILE_DATASETS)
    if files:
        print(f"\nfiles by language ({files}):")
        print(format_table(breakdown(files, "language"), "language"))
    pages = _first_existing(out, ("pages_dedup", "pages_filtered", "pages_recalled", "pages"))
    if pages:
        print(f"\npages by natural language ({pages}):")
        print(format_table(breakdown(pages, "nl_language"), "nl_language"))
    tokens = manifest.read_manifest(storage.join(out, "tokens"))
    if tokens and tokens.get("tokens_by_source"):
        print("\ntokens by source: " + ", ".join(f"{k} {v:,}" for k, v in tokens["tokens_by_source"].items()))
    if tokens and tokens.get("tokens_by_language"):
        print("tokens by language (web pages have none: `unknown`):")
        for language, count in sorted(tokens["tokens_by_language"].items(), key=lambda kv: -kv[1]):
            print(f"{language:<28} {count:>14,}")
        print(f"{'total':<28} {sum(tokens['tokens_by_language'].values()):>14,}")
    for name, found in stage_folders(out):
        if found.get("stage") == "mix" and found.get("mix"):
            print(f"\ntraining mix ({name}): target share of the mix vs what it gives")
            print(format_mix(found))


# ---- HTML report -------------------------------------------------------------------------------


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    text = buffer.getvalue()
    return text[text.find("<svg") :]


def _bar_chart(labels: list[str], values: list[float], title: str, xlabel: str) -> str:
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, max(2.0, 0.28 * len(labels) + 1)))
    axis.barh(labels[::-1], values[::-1], color="#3b6ea5")
    axis.set_title(title)
    axis.set_xlabel(xlabel)
    return _svg(figure)


def _histogram(values: list[float], title: str, xlabel: str, log: bool = True) -> str:
    import matplotlib.pyplot as plt
    import numpy as np

    figure, axis = plt.subplots(figsize=(8, 3))
    data = np.asarray([v for v in values if v and v > 0], dtype=float)
    if len(data):
        bins = np.logspace(np.log10(data.min()), np.log10(data.max() + 1), 30) if log else 30
        axis.hist(data, bins=bins, color="#5a9e6f")
        if log:
            axis.set_xscale("log")
    axis.set_title(title)
    axis.set_xlabel(xlabel)
    axis.set_ylabel("count")
    return _svg(figure)


def _redaction_section(written: dict) -> str:
    """Findings replaced per kind, in all and per language (the redact stage's manifest)."""
    kinds = list(written.get("redacted", {}))
    rows = [["all", *[written["redacted"][k] for k in kinds]]]
    rows += [
        [language, *[counts.get(k, 0) for k in kinds]] for language, counts in written["redacted_by_language"].items()
    ]
    note = "" if any(written["redacted"].values()) else "<p>No findings in this dataset.</p>"
    return note + _table(["language", *kinds], rows)


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.1%}" if value <= 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _cluster_sizes(out: str) -> list[int]:
    sizes: list[int] = []
    for name in ("files_dedup", "samples_dedup", "pages_dedup"):
        rejects = storage.join(out, name, manifest.REJECTS)
        if not storage.list_parquet_files(rejects):
            continue
        dataset = open_dataset(rejects)
        if "cluster_id" not in dataset.schema.names:
            continue
        table = dataset.to_table(columns=["cluster_id"]).group_by("cluster_id").aggregate([("cluster_id", "count")])
        sizes += [n + 1 for n in table.column("cluster_id_count").to_pylist()]  # + the kept member
    return sizes


def build_report(out: str) -> str:
    sections = []
    stages = funnel(out)
    sections.append(
        (
            "Funnel: rows kept by each stage",
            _table(
                ["stage", "output", "rows in", "kept", "rejected", "screening", "bytes kept", "seconds", "reasons"],
                [
                    [
                        s["stage"],
                        s["folder"],
                        s["input_rows"],
                        s["rows"],
                        s["rejected"],
                        s["screening_rejected"],
                        s["bytes"],
                        f"{s['seconds'] or 0:.1f}",
                        ", ".join(f"{k}: {v:,}" for k, v in s["reasons"].items()),
                    ]
                    for s in stages
                ],
            )
            + (
                _bar_chart(
                    [s["folder"] for s in stages], [s["rows"] or 0 for s in stages], "Rows kept per stage", "rows"
                )
                if stages
                else ""
            ),
        )
    )
    files = _first_existing(out, FILE_DATASETS)
    if files:
        languages = breakdown(files, "language")
        top = languages[:30]
        sections.append(
            (
                f"Languages ({os.path.basename(files)})",
                _bar_chart([r["key"] for r in top], [r["bytes"] for r in top], "Bytes per language", "bytes")
                + _table(
                    ["language", "files", "bytes", "share"],
                    [[r["key"], r["rows"], r["bytes"], r["share"]] for r in languages],
                ),
            )
        )
        categories = category_breakdown(open_dataset(files))
        if categories:
            sections.append(
                (
                    f"Categories ({os.path.basename(files)})",
                    "<p>Code, documentation (<code>text</code>: Markdown, reStructuredText... judged by the text "
                    "rules), notebooks, data and markup files, counted apart.</p>"
                    + _table(
                        ["category", "files", "bytes", "share"],
                        [[r["key"], r["rows"], r["bytes"], r["share"]] for r in categories],
                    ),
                )
            )
        labels = language_disagreements(files)
        if labels and labels["compared"]:
            sections.append(("Source labels vs our language detection", _disagreement_section(labels)))
        sizes = open_dataset(files).to_table(columns=["size_bytes"]).column("size_bytes").to_pylist()
        sections.append(("File sizes", _histogram(sizes, "File size distribution", "bytes (log scale)")))
    for name, summary in _screened(out):
        sections.append((f"Quality screening ({name})", _screening_section(summary)))
    clusters = _cluster_sizes(out)
    if clusters:
        sections.append(
            (
                "Near- and exact-duplicate clusters",
                _histogram(clusters, "Cluster sizes (kept member included)", "files per cluster", log=False)
                + f"<p>{len(clusters):,} clusters, {sum(clusters) - len(clusters):,} rows removed.</p>",
            )
        )
    recall_report = storage.join(out, "pages_recalled", "_recall_report.json")
    if storage.exists(recall_report):
        sections.append(("Recall iterations", _recall_section(json.loads(storage.read_text(recall_report)))))
    tokens = manifest.read_manifest(storage.join(out, "tokens"))
    if tokens:
        sections.append(("Tokens", _tokens_section(tokens)))
    lengths = _sample_token_lengths(out)
    if lengths:
        sections.append(("Sample lengths in tokens", _context_section(*lengths)))
    for name, found in stage_folders(out):
        if found.get("stage") == "mix" and found.get("mix"):
            sections.append((f"Training mix ({name})", _mix_section(found)))
        if found.get("stage") == "redact" and "redacted_by_language" in found:
            sections.append((f"Redactions ({name})", _redaction_section(found)))
    sections.append(
        (
            "Configuration of this run",
            "".join(
                f"<h3>{html.escape(s['folder'])} ({html.escape(str(s['stage']))})</h3>"
                f"<pre>{html.escape(json.dumps(s['config'], indent=2, default=str))}</pre>"
                for s in stages
            ),
        )
    )
    body = "".join(f"<section><h2>{html.escape(title)}</h2>{content}</section>" for title, content in sections)
    where = out if storage.is_remote(out) else os.path.abspath(out)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Corpus report: {html.escape(out)}</title>"
        f"<style>{CSS}</style></head><body><h1>Corpus report</h1><p>{html.escape(where)}</p>"
        f"{body}</body></html>"
    )


def _disagreement_section(labels: dict) -> str:
    """Rows where the source's `source_language` (ingest-dataset) and our detection differ: the matrix
    of the top disagreements (source labels down, ours across)."""
    matrix = labels["matrix"]
    summary = (
        f"<p>{labels['compared']:,} rows carry a source label; {labels['disagree']:,} "
        f"({labels['disagree'] / labels['compared']:.1%}) disagree with our {html.escape(labels['ours'])}.</p>"
    )
    return summary + _table(
        ["source \u2193 / ours \u2192", *matrix["columns"]],
        [[row, *(n or "" for n in counts)] for row, counts in zip(matrix["rows"], matrix["counts"], strict=True)],
    )


def _screening_section(summary: dict) -> str:
    """Per language: files parsed clean / with errors / not parsed (and why), screening rejects, and
    the signals' medians (p10-p90); histograms of the syntax error fraction and the quality score."""
    quantiles = ["syntax_error_fraction", "comment_fraction", "max_function_lines", "quality_score"]
    rows = []
    for language, e in list(summary["by_language"].items())[:40]:
        cells = []
        for name in quantiles:
            q = e.get("quantiles", {}).get(name)
            cells.append(f"{q[1]:.3g} ({q[0]:.3g}-{q[2]:.3g})" if q else "")
        rows.append(
            [language, e["files"], e["parsed_clean"], e["parsed_with_errors"], _counts(e["not_parsed"])]
            + [_counts(e["screening_rejects"]), *cells]
        )
    table = _table(["language", "files", "clean", "with errors", "not parsed", "screening rejects", *quantiles], rows)
    return (
        f"<p>{summary['files']:,} files: {summary['parsed_clean']:,} parsed clean, "
        f"{summary['parsed_with_errors']:,} with syntax errors; "
        f"not parsed: {html.escape(_counts(summary['not_parsed']) or 'none')}; "
        f"screening rejects: {html.escape(_counts(summary['screening_rejects']) or 'none')}.</p>"
        + table
        + f"<pre>{html.escape(format_signal_summary(summary))}</pre>"
    )


def _recall_section(report: dict) -> str:
    iterations = report.get("iterations", report if isinstance(report, list) else [])
    rows = []
    for item in iterations:
        for target, figures in (item.get("targets") or {}).items():
            rows.append(
                [
                    item.get("iteration"),
                    target,
                    figures.get("seed_pages"),
                    figures.get("pages_collected"),
                    f"{figures.get('threshold') or 0:.3f}",
                    ", ".join(figures.get("new_domains", [])),
                ]
            )
    if not rows:
        return f"<pre>{html.escape(json.dumps(report, indent=2)[:20000])}</pre>"
    return _table(["iteration", "target", "seed pages", "pages collected", "threshold", "new domains"], rows)


def _tokens_section(tokens: dict) -> str:
    by_language = tokens.get("tokens_by_language", {})
    parts = []
    if by_language:
        ordered = sorted(by_language.items(), key=lambda kv: -kv[1])
        parts.append(
            _bar_chart([k for k, _ in ordered[:30]], [v for _, v in ordered[:30]], "Tokens per language", "tokens")
        )
    shards = tokens.get("shards", [])
    if shards:
        parts.append(
            _table(
                ["shard", "documents", "tokens"], [[s.get("name"), s.get("documents"), s.get("tokens")] for s in shards]
            )
        )
    parts.append(
        _table(
            ["setting", "value"],
            [
                [k, json.dumps(v, default=str)]
                for k, v in tokens.items()
                if k not in ("shards", "tokens_by_language", "config")
            ],
        )
    )
    return "".join(parts)


CONTEXT_LENGTHS = {"16K": 16384, "128K": 131072}  # DeepSeek-Coder-V2's two context stages


def _sample_token_lengths(out: str) -> tuple[list[int], str] | None:
    """Repository sample lengths in tokens: the samples' own `size_tokens` (repo-samples
    --max-sample-tokens), else the tokenized documents that have a programming language (in `make
    corpus`: the repository samples, with EOS and FIM markers), read from the token folder."""
    samples = _first_existing(out, ("samples_dedup", "samples"))
    if samples:
        dataset = open_dataset(samples)
        if "size_tokens" in dataset.schema.names:
            values = [v for v in dataset.to_table(columns=["size_tokens"]).column("size_tokens").to_pylist() if v]
            if values:
                return values, f"{os.path.basename(samples)}: size_tokens counted by repo-samples"
    folder = storage.join(out, "tokens")
    found = manifest.read_manifest(folder)
    if not found or storage.is_remote(folder) or not found.get("document_metadata"):
        return None
    import numpy as np
    import pyarrow.parquet as pq

    from pipeline.tokenize.mmidx import TokenShard

    values: list[int] = []
    for shard in found.get("shards", []):
        prefix = os.path.join(folder, shard["name"])
        languages = pq.read_table(prefix + found["document_metadata"]["suffix"], columns=["language"])
        code = np.asarray(languages.column("language").to_pylist(), dtype=object) != "unknown"
        values += TokenShard(prefix).sequence_lengths[code].tolist()
    return (values, "tokens: tokenized documents with a programming language") if values else None


def _context_section(values: list[int], label: str) -> str:
    import matplotlib.pyplot as plt
    import numpy as np

    data = np.asarray(values, dtype=float)
    figure, axis = plt.subplots(figsize=(8, 3))
    top = max(data.max(), CONTEXT_LENGTHS["128K"] * 1.2)
    axis.hist(data, bins=np.logspace(0, np.log10(top), 40), color="#5a9e6f")
    axis.set_xscale("log")
    for name, length in CONTEXT_LENGTHS.items():
        axis.axvline(length, color="#b03a2e", linestyle="--")
        axis.text(length, axis.get_ylim()[1] * 0.9, f" {name}", color="#b03a2e")
    axis.set_title("Sample lengths against the 16K and 128K context stages")
    axis.set_xlabel("tokens (log scale)")
    axis.set_ylabel("samples")
    small, large = CONTEXT_LENGTHS["16K"], CONTEXT_LENGTHS["128K"]
    bands = [
        ("up to 16K", data <= small),
        ("16K to 128K", (data > small) & (data <= large)),
        ("over 128K", data > large),
    ]
    rows = [[name, int(mask.sum()), float(mask.mean()), int(data[mask].sum())] for name, mask in bands]
    return (
        f"<p>{html.escape(label)}; {len(data):,} samples, median {np.median(data):,.0f} tokens.</p>"
        + _svg(figure)
        + _table(["length", "samples", "share", "tokens"], rows)
    )


def _mix_section(found: dict) -> str:
    mix = found["mix"]
    got = "realized share" if mix.get("realized_tokens") is not None else "blend share"
    rows = [
        [r["group"], r["language"], r["available"], f"{r['target']:.2%}", f"{r['got'] or 0:.2%}", f"{r['epochs']:.2f}"]
        for r in mix_rows(found, languages=10)
    ]
    return f"<p>{mix['total_tokens']:,} tokens planned.</p>" + _table(
        ["group", "language", "tokens available", "target share", got, "epochs"], rows
    )


CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#eef}td:first-child,th:first-child{text-align:left}pre{background:#f6f6f6;padding:8px;font-size:12px}
section{margin-bottom:2.5em}svg{max-width:100%;height:auto}"""


def write_report(out: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    target = storage.join(out, "report.html")
    storage.write_text_atomic(target, build_report(out))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="corpus report", description=__doc__)
    parser.add_argument("out_dir", help="the --output folder of a pipeline run (`make corpus`: out)")
    args = parser.parse_args(argv)
    print(write_report(args.out_dir))
    return 0
