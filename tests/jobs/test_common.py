"""The stage contract and the runner: settings declared once give flags, TOML keys, checks and the
fingerprint; same settings and same named files -> same result; an edited file or input -> a rerun."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import pytest

from jobs.runner import Stage, file_digests
from pipeline import stage
from pipeline.config import UsageError
from pipeline.io.manifest import fingerprint
from pipeline.stage import setting


@dataclass(frozen=True)
class Inner:
    dim: int = setting(100, "vector size", minimum=1)


@dataclass(frozen=True)
class Toy:
    threshold: float = setting(0.7, "similarity", minimum=0.0, maximum=1.0)
    languages: tuple[str, ...] = setting(("en", "zh"), "allowed languages")
    eos: bool = setting(True, "end with EOS")
    workers: int = setting(4, "threads", fingerprint=False)
    keep_top: float | None = setting(None, "top share", exclusive="cut")
    min_score: float | None = setting(None, "lowest score", exclusive="cut")
    inner: Inner = field(default_factory=Inner)

    def problems(self) -> list[str]:
        return ["--workers must divide 12"] if 12 % self.workers else []


def toy_stage(run=None) -> Stage:
    return Stage("toy", "a test stage", Toy, run or (lambda spark, job: {}))


def test_flags_come_from_the_settings_class():
    job, _ = toy_stage().job(["--input", "i", "--output", "o", "--threshold", "1", "--languages", "en", "--no-eos"])
    assert job.settings == Toy(threshold=1.0, languages=("en",), eos=False)
    job, _ = toy_stage().job(["--input", "i", "--output", "o", "--dim", "8"])
    assert job.settings.inner.dim == 8  # nested settings are flattened into flags
    assert stage.fingerprint(job.settings) == {
        "dim": 8, "eos": True, "keep_top": None, "languages": ["en", "zh"], "min_score": None, "threshold": 0.7
    }  # fmt: skip


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--threshold", "1.5"], "--threshold must be between 0.0 and 1.0, got 1.5"),
        (["--dim", "0"], "--dim must be >= 1, got 0"),
        (["--keep-top", "0.1", "--min-score", "0.5"], "give at most one of --keep-top, --min-score"),
        (["--workers", "5"], "--workers must divide 12"),
    ],
)
def test_checks_are_usage_errors(argv, message):
    with pytest.raises(UsageError, match=message):
        toy_stage().job(["--input", "i", "--output", "o", *argv])


def test_config_file_then_flags_and_unknown_keys(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[toy]\nthreshold = 0.8\nlanguages = ['fr']\ndim = 3\n")
    base = ["--input", "i", "--output", "o", "--config", str(config)]
    settings = toy_stage().job(base)[0].settings
    assert (settings.threshold, settings.languages, settings.inner.dim) == (0.8, ("fr",), 3)
    assert toy_stage().job(base + ["--threshold", "0.9"])[0].settings.threshold == 0.9  # flags win
    config.write_text("[toy]\nthreshhold = 0.8\n")
    with pytest.raises(UsageError, match="threshhold"):
        toy_stage().job(base)


def test_every_setting_needs_help():
    with pytest.raises(TypeError, match="help"):
        setting(1)

    @dataclass(frozen=True)
    class Undeclared:
        size: int = 3

    with pytest.raises(TypeError, match="Undeclared.size"):
        stage.add_arguments(argparse.ArgumentParser(), Undeclared)


def test_editing_a_named_file_changes_the_fingerprint(tmp_path):
    seeds = tmp_path / "seeds.toml"
    seeds.write_text("[code]\ndomains = ['a.org']\n")
    settings = {"seeds": str(seeds), "threshold": 0.7}
    before = fingerprint("recall", ["in"], file_digests(settings))
    assert fingerprint("recall", ["in"], file_digests(settings)) == before
    seeds.write_text("[code]\ndomains = ['b.org']\n")
    assert fingerprint("recall", ["in"], file_digests(settings)) != before


def test_remade_input_makes_the_output_stale(tmp_path):
    """No Spark needed: the stage body here writes one Parquet file itself."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.io import manifest

    def write_rows(rows):
        def run(spark, job):
            (tmp_path / job.output).mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.table({"id": rows}), tmp_path / job.output / "part-0.parquet")
            return {}

        return run

    def up(rows):
        return Stage("up", "", Toy, write_rows(rows), inputs="sources")

    def down(rows):
        return Stage("down", "", Toy, write_rows(rows))

    upstream = ["--input", "raw", "--output", str(tmp_path / "up")]
    downstream = ["--input", str(tmp_path / "up"), "--output", str(tmp_path / "down")]
    assert up(["a"]).main(upstream, spark=object()) == 0
    assert down(["a"]).main(downstream, spark=object()) == 0
    first = manifest.read_manifest(str(tmp_path / "down"))["fingerprint"]
    assert down(["a"]).main(downstream, spark=object()) == 0
    assert manifest.read_manifest(str(tmp_path / "down"))["fingerprint"] == first  # unchanged: skipped

    # upstream remade with other settings; a setting outside the fingerprint would not have changed it
    assert up(["b"]).main(upstream + ["--overwrite", "--threshold", "0.5"], spark=object()) == 0
    assert down(["b"]).main(downstream, spark=object()) == 2  # stale
    assert down(["b"]).main(downstream + ["--overwrite"], spark=object()) == 0
    assert manifest.read_manifest(str(tmp_path / "down"))["fingerprint"] != first
