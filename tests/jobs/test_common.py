"""Stage fingerprints: same settings and same named files -> same result; an edited file -> a rerun."""

import argparse

import pytest

from jobs.common import file_digests
from pipeline.config import UsageError, parse_stage_args, stage_parser
from pipeline.io.manifest import fingerprint


def test_editing_a_named_file_changes_the_fingerprint(tmp_path):
    seeds = tmp_path / "seeds.toml"
    seeds.write_text("[code]\ndomains = ['a.org']\n")
    args = argparse.Namespace(input=["in"], output="out", seeds=str(seeds), threshold=0.7)
    before = fingerprint("recall", args.input, file_digests(args))
    assert fingerprint("recall", args.input, file_digests(args)) == before
    seeds.write_text("[code]\ndomains = ['b.org']\n")
    assert fingerprint("recall", args.input, file_digests(args)) != before


def test_config_file_then_flags_and_unknown_keys(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[dedup]\nthreshold = 0.8\n")
    base = ["--input", "i", "--output", "o", "--config", str(config)]
    assert parse_stage_args(dedup_parser(), base, "dedup").threshold == 0.8
    assert parse_stage_args(dedup_parser(), base + ["--threshold", "0.9"], "dedup").threshold == 0.9  # flags win
    config.write_text("[dedup]\nthreshhold = 0.8\n")
    with pytest.raises(UsageError, match="threshhold"):
        parse_stage_args(dedup_parser(), base, "dedup")


def dedup_parser():
    parser = stage_parser("dedup", "test")
    parser.add_argument("--threshold", type=float, default=0.7)
    return parser


def test_remade_input_makes_the_output_stale(tmp_path):
    """No Spark needed: the stage body here writes one Parquet file itself."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jobs.common import run_stage
    from pipeline.io import manifest

    def write_rows(rows):
        def run(spark, args):
            (tmp_path / args.output).mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.table({"id": rows}), tmp_path / args.output / "part-0.parquet")
            return {}

        return run

    upstream = ["--input", "raw", "--output", str(tmp_path / "up")]
    downstream = ["--input", str(tmp_path / "up"), "--output", str(tmp_path / "down")]
    raw = dict(inputs_are_datasets=False, spark=object())
    assert run_stage("up", up_parser(), write_rows(["a"]), upstream, **raw) == 0
    assert run_stage("down", stage_parser("down", ""), write_rows(["a"]), downstream, spark=object()) == 0
    first = manifest.read_manifest(str(tmp_path / "down"))["fingerprint"]
    assert run_stage("down", stage_parser("down", ""), write_rows(["a"]), downstream, spark=object()) == 0
    assert manifest.read_manifest(str(tmp_path / "down"))["fingerprint"] == first  # unchanged: skipped

    assert (
        run_stage("up", up_parser(), write_rows(["b"]), upstream + ["--overwrite", "--limit", "1"], **raw) == 0
    )  # upstream remade with other settings
    assert run_stage("down", stage_parser("down", ""), write_rows(["b"]), downstream, spark=object()) == 2  # stale
    assert (
        run_stage("down", stage_parser("down", ""), write_rows(["b"]), downstream + ["--overwrite"], spark=object())
        == 0
    )
    assert manifest.read_manifest(str(tmp_path / "down"))["fingerprint"] != first


def up_parser():
    parser = stage_parser("up", "")
    parser.add_argument("--limit", type=int, default=0)
    return parser
