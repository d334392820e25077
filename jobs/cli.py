"""`corpus`: one command for every stage and tool. `corpus <stage> ARGS` runs the same `Stage.main` as
`spark-submit jobs/<stage>.py ARGS`, in Spark local mode unless a master is configured.

Stages are discovered, not listed: every module of the `jobs` package that declares `STAGE` (or
`STAGES`, for a module serving several, like the ingest sources) is a command. Tools are library
entry points (`main(argv) -> int`) that need no Spark stage around them.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import jobs
from jobs.runner import Stage
from pipeline.config import UsageError

TOOLS = {
    "all": ("jobs.run_all", "the whole pipeline, stage after stage (what `make corpus` runs)"),
    "stats": ("pipeline.stats", "what is in a dataset: rows, bytes, tokens by language/source/reason"),
    "report": ("pipeline.report", "HTML report of a pipeline run"),
    "langs": ("pipeline.langs.cli", "language specs: list, check, new, detect"),
    "tokens": ("pipeline.tokenize.inspect", "inspect token files"),
    "sample": ("pipeline.sample", "build the built-in sample input"),
    "quality": ("pipeline.filters.quality_cli", "quality model: train on labelled files, score a dataset"),
}


def stages() -> dict:
    """Stage name -> Stage, from every job module that declares one."""
    found = {}
    for module_info in pkgutil.iter_modules(jobs.__path__):
        module = importlib.import_module(f"jobs.{module_info.name}")
        for declared in getattr(module, "STAGES", None) or [getattr(module, "STAGE", None)]:
            if isinstance(declared, Stage):
                found[declared.name] = declared
    return found


def usage(found: dict) -> str:
    lines = ["usage: corpus COMMAND [ARGS...]   (corpus COMMAND --help for its arguments)", "", "stages:"]
    lines += [f"  {name:<16} {found[name].help}" for name in found]
    lines += ["", "tools:"]
    lines += [f"  {name:<16} {help_text}" for name, (_, help_text) in TOOLS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command, rest = (argv[0], argv[1:]) if argv else ("--help", [])
    if command in TOOLS:
        entry = importlib.import_module(TOOLS[command][0]).main
    else:
        found = stages()
        if command in ("-h", "--help"):
            print(usage(found))
            return 0
        if command not in found:
            print(f"corpus: unknown command '{command}'\n\n{usage(found)}", file=sys.stderr)
            return 2
        entry = found[command].main
    try:
        return entry(rest) or 0
    except UsageError as error:
        if "--debug" in rest:
            raise
        print(f"corpus {command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
