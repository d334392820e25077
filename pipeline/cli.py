"""`corpus`: one command for every stage and tool. `corpus <stage> ARGS` runs the same `main` as
`spark-submit jobs/<stage>.py ARGS`, in Spark local mode unless a master is configured."""

from __future__ import annotations

import importlib
import sys

from pipeline.config import UsageError

# command -> module with `main(argv) -> int`
COMMANDS = {
    "ingest-github": ("jobs.ingest_github", "read repositories (folders, git, archives, URL lists) into files"),
    "ingest-cc": ("jobs.ingest_commoncrawl", "read Common Crawl WARCs into pages"),
    "recall": ("jobs.recall", "fastText recall of code and math pages"),
    "filter": ("jobs.filter", "language and quality rules, decontamination"),
    "dedup": ("jobs.dedup", "exact and MinHash near-deduplication"),
    "repo-samples": ("jobs.repo_samples", "repository samples in dependency order"),
    "tokenize": ("jobs.tokenize", "token files (Megatron .bin/.idx) with FIM"),
    "all": ("jobs.run_all", "the whole pipeline, stage after stage (what `make corpus` runs)"),
    "stats": ("pipeline.stats", "what is in a dataset: rows, bytes, tokens by language/source/reason"),
    "report": ("pipeline.report", "HTML report of a pipeline run"),
    "langs": ("pipeline.langs.cli", "language specs: list, check, new, detect"),
    "tokens": ("pipeline.tokenize.inspect", "inspect token files"),
    "sample": ("pipeline.sample", "build the built-in sample input"),
}


def usage() -> str:
    lines = ["usage: corpus COMMAND [ARGS...]   (corpus COMMAND --help for its arguments)", ""]
    lines += [f"  {name:<14} {help_text}" for name, (_, help_text) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"corpus: unknown command '{command}'\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    try:
        return module.main(rest) or 0
    except UsageError as error:
        if "--debug" in rest:
            raise
        print(f"corpus {command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
