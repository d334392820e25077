"""Optional: Megatron-LM reads the mix's blend file (as `--data-args-path` does), its IndexedDataset
reads every view and mixed shard exactly, and its BlendedDataset samples the groups at their targets.

Runs when megatron-core is importable here, or when MEGATRON_PYTHON names an interpreter that has it
(pipeline/tokenize/README.md: torch CPU + megatron-core 0.16 in a throwaway venv); skipped otherwise.
"""

import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from jobs import mix as job
from tests.megatron import megatron_python

CHECK = Path(__file__).resolve().parents[2] / "bench" / "megatron_blend_check.py"


pytestmark = pytest.mark.skipif(megatron_python() is None, reason="megatron-core is not installed")


def our_reading(prefix: str) -> dict:
    """Sequences, tokens and sha256 of a prefix, read through its .idx by numpy alone."""
    raw = open(prefix + ".idx", "rb").read()
    code, count = raw[17], int(np.frombuffer(raw, "<u8", 1, 18)[0])
    dtype = {4: np.int32, 8: np.uint16}[code]
    lengths = np.frombuffer(raw, "<i4", count, 34)
    pointers = np.frombuffer(raw, "<i8", count, 34 + 4 * count)
    data = np.fromfile(prefix + ".bin", dtype=np.uint8)
    digest = hashlib.sha256()
    for pointer, length in zip(pointers.tolist(), lengths.tolist(), strict=False):
        ids = data[pointer : pointer + length * np.dtype(dtype).itemsize].view(dtype).astype("<i8")
        digest.update(ids.tobytes())
    return {"sequences": count, "tokens": int(lengths.sum()), "sha256": digest.hexdigest()}


@pytest.mark.parametrize("materialize", [False, True])
def test_megatron_reads_the_blend_and_realizes_the_targets(token_folders, tmp_path, materialize):
    output = tmp_path / "mix"
    folders = [token_folders[n] for n in ("code", "pages", "text", "go")]
    args = ["--input", *folders, "--output", str(output)] + (["--materialize", "--shard-tokens", "5000"] * materialize)
    assert job.main(args) == 0
    result = subprocess.run(
        [megatron_python(), str(CHECK), str(output / "blend.txt"), "--samples", "4000", "--seq-length", "32"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    for dataset in report["datasets"]:
        assert {k: dataset[k] for k in ("sequences", "tokens", "sha256")} == our_reading(dataset["prefix"])
    if materialize:
        return
    blend = json.load(open(output / "blend.json"))
    samples = np.array(report["blended"]["samples_per_dataset"])
    shares = {}
    for dataset, count in zip(blend["datasets"], samples.tolist(), strict=True):
        shares[dataset["group"]] = shares.get(dataset["group"], 0) + count / samples.sum()
    assert shares == pytest.approx({"code": 0.6, "math": 0.1, "text": 0.3}, abs=0.01)
