"""The report and `corpus stats` show a mix's target vs realized shares, and sample lengths against the
16K and 128K context stages."""

import os
import shutil

import pyarrow as pa
import pyarrow.parquet as pq

from jobs import mix as job
from pipeline import stats
from pipeline.io import manifest
from pipeline.repo.samples import SampleOptions, samples_table
from pipeline.report import _sample_token_lengths, build_report, print_summary
from tests.mix.test_samples_tokens import REGISTRY, ROWS


def test_report_and_stats_show_the_mix(token_folders, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copytree(token_folders["code"], out / "tokens")
    folders = [token_folders[n] for n in ("code", "pages", "text", "go")]
    assert job.main(["--input", *folders, "--output", str(out / "mix"), "--materialize"]) == 0
    capsys.readouterr()

    assert stats.main([str(out / "mix")]) == 0
    table = capsys.readouterr().out
    assert "realized" in table and "math" in table and "10.00%" in table
    print_summary(str(out))
    assert "training mix (mix)" in capsys.readouterr().out

    # sample lengths from the token folder: documents with a programming language
    values, label = _sample_token_lengths(str(out))
    assert len(values) == 160 and "programming language" in label
    import matplotlib

    matplotlib.use("Agg")
    page = build_report(str(out))
    assert "Training mix (mix)" in page and "Sample lengths in tokens" in page and "up to 16K" in page

    # ... or the samples' own counts, when repo-samples sized them in tokens
    samples = out / "samples"
    samples.mkdir()
    table = samples_table(pa.Table.from_pylist(ROWS), SampleOptions(max_sample_tokens=300), REGISTRY)
    pq.write_table(table, os.path.join(samples, "part-0.parquet"))
    manifest.write_manifest(str(samples), "repo-samples", "fp", [], {})
    values, label = _sample_token_lengths(str(out))
    assert values == table.column("size_tokens").to_pylist() and "size_tokens" in label
