"""`corpus mix` / `python jobs/mix.py`: token folders -> a training mix (pipeline/mix/README.md).

The work is a plan on the driver and, with --materialize, one streaming copy of token bytes: no Spark.
The plan is printed, and its mistakes refused, in the stage's `check`, before the output folder is
touched; `run` writes the blend (or the mixed shards) and returns the manifest's fields.
"""

from __future__ import annotations

import os
import sys

from jobs.runner import Job, Stage
from pipeline import measure
from pipeline.config import UsageError
from pipeline.io import storage
from pipeline.mix.run import Prepared, prepare, write_mix
from pipeline.mix.settings import MixSettings

_prepared: dict[tuple, tuple[Prepared, measure.Phases]] = {}


def _key(job: Job) -> tuple:
    return (tuple(job.input), repr(job.settings))


def check(job: Job) -> None:
    if storage.is_remote(job.output):
        raise UsageError(f"--output {job.output}: corpus mix writes to a local folder (views are symlinks)")
    output = os.path.abspath(job.output)
    for uri in job.input:
        inside = os.path.abspath(uri)
        if output == inside or output.startswith(inside + os.sep) or inside.startswith(output + os.sep):
            raise UsageError(f"--output {job.output} overlaps the input {uri}; write the mix to its own folder")
    print(f"corpus mix: {len(job.input)} input(s), target {job.settings.target}")
    phases = measure.Phases("mix")
    _prepared[_key(job)] = (prepare(job.input, job.settings, timer=phases), phases)


def run(spark, job: Job) -> dict:
    found = _prepared.pop(_key(job), None)
    if found is None:
        found = (prepare(job.input, job.settings), None)
    prepared, phases = found
    extra = write_mix(prepared, job.settings, job.output)
    if phases is not None:  # reading the inputs and planning happened in `check`, before the run's clock
        extra["phases_before_run"] = {name: round(seconds, 2) for name, seconds in phases.seconds.items()}
    form = "mixed shards" if job.settings.materialize else "blend.txt and blend.json"
    extra["wrote"] = f"{form} for {extra['mix']['total_tokens']:,} tokens"  # the mix writes no dataset rows
    return extra


STAGE = Stage(
    "mix",
    "training mix: token shares per group and language, Megatron blend, optional shuffled shards",
    MixSettings,
    run,
    check=check,
    input_help="token folders written by `corpus tokenize` (local)",
    needs_spark=False,
)
main = STAGE.main

if __name__ == "__main__":
    sys.exit(main())
