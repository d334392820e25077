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
