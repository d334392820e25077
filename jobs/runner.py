"""The one runner: a `Stage` declaration becomes `corpus <stage>` and `spark-submit jobs/<stage>.py`.

A job file declares `STAGE = Stage(name, help, settings=<settings dataclass>, run=<fn>)` (see
pipeline/stage.py for the settings contract) and `main = STAGE.main`. The runner builds the parser from
the settings class, applies `--config` (the `[stage]` table), checks the settings, skips an output that
already holds this exact result, redoes an incomplete one, times the phases, and writes the manifest
last. `run(spark, job)` does the stage's own work and returns extra manifest fields; `map_stage` builds
the `run` of a stage that is one function over Arrow batches.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobs.common import map_batches, read_dataset, write_with_rejects
from pipeline import measure, stage
from pipeline.config import UsageError, load_config
from pipeline.io import manifest, parquet_parts, storage
from pipeline.sources.dataset_presets import matching_preset
from pipeline.spark import JavaMissing, get_spark

USER_ERRORS = (UsageError, manifest.OutputConflict, JavaMissing)


@dataclass(frozen=True)
class Job:
    """One run of a stage: where from, where to, with which settings."""

    stage: str
    input: list[str]
    output: str
    settings: Any
    overwrite: bool = False
    config: str | None = None
    s3_endpoint_url: str | None = None


@dataclass(frozen=True)
class Stage:
    """A stage as the runner sees it.

    `inputs` is "datasets" when the inputs are datasets of ours (checked for a complete manifest, their
    fingerprints part of this result's) or "sources" when they are anything else (repositories, WARCs).
    `check(job)` may refuse a mistake (UsageError) before the output folder is touched. A stage whose
    work runs on the driver alone says `needs_spark=False`: its `run` gets None for the session.
    """

    name: str
    help: str
    settings: type
    run: Callable[[Any, Job], dict]
    inputs: str = "datasets"
    input_required: bool = True
    input_help: str = "input dataset folder(s), glob(s) or URI(s)"
    check: Callable[[Job], None] | None = None
    needs_spark: bool = True

    def parser(self) -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog=f"corpus {self.name}", description=self.help)
        parser.add_argument("--input", nargs="+", required=self.input_required, default=[], help=self.input_help)
        parser.add_argument("--output", required=True, help="output dataset folder (local path or s3://...)")
        parser.add_argument("--config", help=f"TOML file; keys of its [{self.table}] table override the defaults")
        parser.add_argument("--overwrite", action="store_true", help="replace an output made with other settings")
        parser.add_argument(
            "--s3-endpoint-url",
            help="S3-compatible store (MinIO, Ceph...) for s3:// inputs and outputs; "
            "default: $AWS_ENDPOINT_URL, else AWS",
        )
        parser.add_argument("--debug", action="store_true", help="show tracebacks")
        stage.add_arguments(parser, self.settings)
        return parser

    @property
    def table(self) -> str:
        return self.name.replace("-", "_")

    def job(self, argv: list[str] | None) -> tuple[Job, bool]:
        """The parsed job and whether tracebacks were asked for. Flags win over --config, which wins
        over the settings' defaults."""
        parser = self.parser()
        args = parser.parse_args(argv)
        if args.config:
            table = load_config(args.config).get(self.table, {})
            known = stage.names(self.settings)
            unknown = sorted(set(table) - set(known))
            if unknown:
                raise UsageError(
                    f"{args.config}: unknown key(s) in [{self.table}]: {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(known))}"
                )
            parser.set_defaults(**table)
            args = parser.parse_args(argv)
        values = vars(args)
        job = Job(
            stage=self.name,
            input=list(args.input or []),
            output=args.output,
            settings=stage.from_values(self.settings, values),
            overwrite=args.overwrite,
            config=args.config,
            s3_endpoint_url=args.s3_endpoint_url,
        )
        return job, args.debug

    def main(self, argv: list[str] | None = None, spark=None) -> int:
        """What `corpus <stage>` and spark-submit call; 0 on success, 2 on a user's mistake."""
        debug = argv is not None and "--debug" in argv
        try:
            job, debug = self.job(sys.argv[1:] if argv is None else argv)
            return run_job(self, job, spark)
        except USER_ERRORS as error:
            if debug:
                raise
            print(f"corpus {self.name}: error: {error}", file=sys.stderr)
            return 2


def run_job(definition: Stage, job: Job, spark=None) -> int:
    storage.use_endpoint(job.s3_endpoint_url)
    if definition.check is not None:
        definition.check(job)
    datasets_in = definition.inputs == "datasets"
    if datasets_in:
        check_dataset_inputs(job.input)
    settings = stage.fingerprint(job.settings)
    identity = {**settings, **file_digests(settings)}
    if datasets_in:  # an upstream stage redone with other settings makes this result stale
        identity["upstream"] = [(manifest.read_manifest(i) or {}).get("fingerprint") for i in job.input]
    print_id = manifest.fingerprint(job.stage, job.input, identity)
    if not manifest.prepare_output(job.output, print_id, job.overwrite):
        print(f"corpus {job.stage}: {job.output} is already complete (same inputs and settings); nothing to do")
        return 0
    started = time.time()
    phases = measure.start_run(job.stage)
    with measure.PeakMemory() as memory:
        if spark is None and definition.needs_spark:
            with measure.phase("spark_start"):
                spark = get_spark(f"corpus-{job.stage}")
        extra = definition.run(spark, job) or {}
    if datasets_in:
        extra.setdefault("input_rows", sum(manifest.parquet_stats(i)["rows"] for i in job.input))
    extra["seconds"] = round(time.time() - started, 2)
    extra["phases"] = phases.as_dict()
    extra["peak_rss_mb"] = memory.summary()
    print(f"corpus {job.stage}: {extra['seconds']:.1f} s; peak RSS MB {extra['peak_rss_mb']}")
    written = manifest.write_manifest(job.output, job.stage, print_id, job.input, settings, extra)
    what = extra.get("wrote") or f"{written['output']['rows']:,} rows"
    print(
        f"corpus {job.stage}: wrote {what} to {job.output}"
        + (f" ({written['rejects']['rows']:,} rejected)" if "rejects" in written else "")
    )
    return 0


def file_digests(settings: dict) -> dict[str, str]:
    """Digests of local files named by settings (seeds, benchmarks...): editing one means a new result."""
    digests = {}
    for key, value in settings.items():
        for path in value if isinstance(value, list) else [value]:
            if isinstance(path, str) and os.path.isfile(path):
                with open(path, "rb") as handle:
                    digests[f"{key}:{path}"] = hashlib.sha256(handle.read()).hexdigest()
    return digests


def check_dataset_inputs(inputs: list[str]) -> None:
    for uri in inputs:
        if not storage.list_parquet_files(uri):
            raise UsageError(f"input {uri} holds no Parquet files; check the path")
        if any(ch in uri for ch in "*?["):
            continue
        written = manifest.read_manifest(uri)
        if written is None:
            raise UsageError(f"input {uri} has no {manifest.MANIFEST}: {without_manifest(uri)}")
        problem = manifest.damage(uri, written)
        if problem:
            raise UsageError(f"input {problem}")


def without_manifest(uri: str) -> str:
    """What to do with a dataset that has no manifest: rerun the stage that did not finish, or, for a
    table another tool wrote, import it (naming the preset its columns match)."""
    columns = parquet_parts.dataset_schema(storage.list_parquet_files(uri)[:1]).names
    if not {"id", "content"} <= set(columns) or "size_bytes" not in columns:
        preset = matching_preset(columns)
        hint = f"--preset {preset.name}" if preset else "--columns content=<column>,path=<column>"
        return f"a table written by another tool is read with `corpus ingest-dataset --input {uri} {hint}`"
    return "the stage that writes it did not finish; rerun that stage first"


def map_stage(batches: Callable, output_schema: Callable) -> Callable[[Any, Job], dict]:
    """The `run` of a stage that is one function over Arrow batches: `batches(iterator, settings)` on the
    executors, `output_schema(input_schema)`; rows with a reason go to `<output>/_rejects`."""

    def run(spark, job: Job) -> dict:
        from pyspark.sql.pandas.types import to_arrow_schema

        rows = read_dataset(spark, job.input)
        schema = output_schema(to_arrow_schema(rows.schema))
        mapped = map_batches(rows, functools.partial(batches, settings=job.settings), schema)
        return {"rejects_by_reason": write_with_rejects(mapped, job.output)}

    return run
