"""Repository samples stage: each repository's files, in dependency order, concatenated into samples.

Rows are grouped by `repo_name` (one repository's files are processed together on one executor);
`pipeline.repo.samples` extracts imports, resolves them, orders the files and packs the samples.
"""

from __future__ import annotations

import sys

from jobs.common import read_dataset, write_dataset
from jobs.runner import Stage
from pipeline.measure import phase
from pipeline.repo.samples import SAMPLES_SCHEMA, SampleOptions, samples_table
from pipeline.repo.spark import sample_totals, with_repo_parts

# Input columns the samples are built from (others are per-file and cannot survive concatenation).
NEEDED = ["id", "source", "repo_name", "path", "language", "content", "size_bytes", "license", "source_format"]


def run(spark, job) -> dict:
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    options: SampleOptions = job.settings
    files = read_dataset(spark, job.input)
    for column in NEEDED:
        if column not in files.columns:
            files = files.withColumn(column, F.lit(None).cast("string"))

    def build_samples(table):
        return samples_table(table, options)

    with phase("split_large_repositories"):
        files, split = with_repo_parts(files.select(*NEEDED), options)
    with phase("samples_and_write"):
        samples = files.groupBy("repo_name", "repo_part").applyInArrow(build_samples, from_arrow_schema(SAMPLES_SCHEMA))
        write_dataset(samples, job.output)
    totals = sample_totals(job.output)
    totals["repositories_split"] = split
    print(
        f"corpus repo-samples: {totals['n_files']:,} files from {totals['repositories']:,} repositories "
        f"-> {totals['samples']:,} samples; {totals['n_resolved_edges']:,} import edges resolved, "
        f"{totals['n_cycle_edges']:,} in cycles, {totals['n_backward_edges']:,} pointing forward; "
        f"{split} repositories split into ranges, {totals['n_capped_files']:,} files' dependencies capped"
    )
    return {"totals": totals}


STAGE = Stage("repo-samples", "repository samples in dependency order", SampleOptions, run)
main = STAGE.main

if __name__ == "__main__":
    sys.exit(main())
