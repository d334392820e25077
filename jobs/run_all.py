"""`corpus all` / `make corpus`: every stage in order, in one Spark session, then a summary and report.

    files:  ingest-github -> filter -> dedup (file) -> repo-samples -> dedup (repo) -> redact -+
    pages:  ingest-cc -> recall -> filter -> dedup (file) --------------------------> redact -+-> tokenize -> mix
    text:   ingest-dataset (web-text) --------------------------------------------> redact -+
    issues: ingest-issues (GH Archive events -> threads) --------------------------> redact -+

Redaction runs last before tokenize: after both dedups it scans the fewest bytes.

Each stage writes its own folder under --output; a rerun skips the stages that are already complete.
"""

from __future__ import annotations

import argparse
import os
import sys

from pipeline.config import UsageError
from pipeline.io import storage
from pipeline.spark import get_spark


def plan(args) -> list[tuple[str, str, list[str]]]:
    """(label, stage name, arguments) for each stage, wired output to input."""
    out = args.output.rstrip("/")
    common = (
        (["--config", args.config] if args.config else [])
        + (["--overwrite"] if args.overwrite else [])
        + (["--s3-endpoint-url", args.s3_endpoint_url] if args.s3_endpoint_url else [])
    )
    steps = [
        ("ingest-github", "ingest-github", ["--input", *args.repos, "--output", f"{out}/files"]),
        ("filter files", "filter", ["--input", f"{out}/files", "--output", f"{out}/files_filtered"]),
        ("dedup files", "dedup", ["--input", f"{out}/files_filtered", "--output", f"{out}/files_dedup"]),
        ("repo-samples", "repo-samples", ["--input", f"{out}/files_dedup", "--output", f"{out}/samples"]),
        (
            "dedup samples",
            "dedup",
            ["--input", f"{out}/samples", "--output", f"{out}/samples_dedup", "--level", "repo"],
        ),
    ]
    steps.append(
        ("redact samples", "redact", ["--input", f"{out}/samples_dedup", "--output", f"{out}/samples_redacted"])
    )
    token_inputs = [f"{out}/samples_redacted"]
    if args.warcs:
        steps += [
            ("ingest-cc", "ingest-cc", ["--input", *args.warcs, "--output", f"{out}/pages"]),
            (
                "recall",
                "recall",
                ["--input", f"{out}/pages", "--output", f"{out}/pages_recalled", "--seeds", args.seeds],
            ),
            ("filter pages", "filter", ["--input", f"{out}/pages_recalled", "--output", f"{out}/pages_filtered"]),
            ("dedup pages", "dedup", ["--input", f"{out}/pages_filtered", "--output", f"{out}/pages_dedup"]),
        ]
        steps.append(("redact pages", "redact", ["--input", f"{out}/pages_dedup", "--output", f"{out}/pages_redacted"]))
        token_inputs.append(f"{out}/pages_redacted")
    if args.text:  # natural-language text (web-text layout: id, url, text) for the mix's text share
        steps += [
            (
                "ingest-dataset text",
                "ingest-dataset",
                ["--input", *args.text, "--output", f"{out}/text", "--preset", "web-text"],
            ),
            ("redact text", "redact", ["--input", f"{out}/text", "--output", f"{out}/text_redacted"]),
        ]
        token_inputs.append(f"{out}/text_redacted")
    if args.issues:  # issue threads: code-related text, in the mix's code group
        steps += [
            ("ingest-issues", "ingest-issues", ["--input", *args.issues, "--output", f"{out}/issues"]),
            ("redact issues", "redact", ["--input", f"{out}/issues", "--output", f"{out}/issues_redacted"]),
        ]
        token_inputs.append(f"{out}/issues_redacted")
    steps.append(("tokenize", "tokenize", ["--input", *token_inputs, "--output", f"{out}/tokens"]))
    if not storage.is_remote(out):  # the mix's views are symlinks beside the token files
        target = args.mix_target or default_mix_target(args)
        steps.append(("mix", "mix", ["--input", f"{out}/tokens", "--output", f"{out}/mix", "--target", target]))
    return [(label, name, stage_args + common) for label, name, stage_args in steps]


def default_mix_target(args) -> str:
    """DeepSeek-Coder-V2's 60/10/30 when there are pages (math) and text; otherwise the groups there are."""
    if args.warcs and args.text:
        return "code=0.6,math=0.1,text=0.3"
    if args.warcs:
        return "code=0.9,math=0.1"
    return "code=0.7,text=0.3" if args.text else "code=1.0"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corpus all", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repos",
        nargs="+",
        required=True,
        help="repository folders, git repositories, archives, or files listing git URLs",
    )
    parser.add_argument(
        "--warcs", nargs="*", default=[], help="WARC files or URIs (local, s3://, https://) or warc.paths listings"
    )
    parser.add_argument("--seeds", default="samples/recall_seeds.toml", help="recall seed domains (TOML)")
    parser.add_argument(
        "--mix-target",
        help="token shares of the training mix (default code=0.6,math=0.1,text=0.3 with WARCs and --text, "
        "else the groups there are; local outputs only)",
    )
    parser.add_argument(
        "--text",
        nargs="*",
        default=[],
        help="natural-language text tables in the web-text layout (id, url, text; Parquet or JSON Lines)",
    )
    parser.add_argument(
        "--issues",
        nargs="*",
        default=[],
        help="GitHub issue events (GH Archive JSON Lines, .json.gz) or tables of issues and comments",
    )
    parser.add_argument("--output", default="out", help="folder (or s3:// prefix) for every stage's output")
    parser.add_argument("--config", help="TOML file with one table per stage ([filter], [dedup], ...)")
    parser.add_argument("--overwrite", action="store_true", help="replace outputs made with other settings")
    parser.add_argument(
        "--s3-endpoint-url",
        help="S3-compatible store for s3:// inputs and outputs (default: $AWS_ENDPOINT_URL, else AWS)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    storage.use_endpoint(args.s3_endpoint_url)
    for path in args.repos + [p for p in args.warcs + args.text + args.issues if "://" not in p]:
        if not os.path.exists(path):
            raise UsageError(f"input not found: {path}")
    from jobs.cli import stages

    found = stages()
    spark = get_spark("corpus-all")
    for label, name, stage_args in plan(args):
        print(f"\n== {label}: corpus {name} {' '.join(stage_args)}", flush=True)
        code = found[name].main(stage_args, spark=spark)
        if code:
            print(
                f"corpus all: stage '{label}' failed (exit {code}); fix it and rerun: finished stages are kept",
                file=sys.stderr,
            )
            return code
    from pipeline.report import print_summary, write_report

    print_summary(args.output)
    print(f"\nreport: {write_report(args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
