"""Optional: Megatron-LM's own IndexedDataset reads our shards back exactly.

Runs when megatron-core is importable here, or when MEGATRON_PYTHON names an interpreter that has it
(e.g. a throwaway venv with torch CPU + megatron-core 0.16); skipped otherwise.
"""

import subprocess
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from pipeline.tokenize.encode import FimSettings, encode_documents
from pipeline.tokenize.partition import TokenizeSettings, tokenize_partition
from pipeline.tokenize.tokenizer import load_tokenizer
from tests.megatron import megatron_python

CHECK = Path(__file__).resolve().parents[2] / "bench" / "megatron_read_check.py"


pytestmark = pytest.mark.skipif(megatron_python() is None, reason="megatron-core is not installed")

ROWS = [
    {
        "id": f"d{i}",
        "language": "Python",
        "content": f"def f{i}(x):\n    '''Grüße 世界 {i}'''\n    return x ** {i}\n" * (1 + i % 5),
    }
    for i in range(300)
]


def test_megatron_reads_our_shards_exactly(tmp_path, make_tokenizer):
    fim = FimSettings(fim_rate=0.5, fim_spm_rate=0.5, seed=1)
    pairs = []
    # DeepSeek's vocabulary (int32 files) and a small one (uint16 files); one Megatron start for both
    for spec, dtype in (("deepseek", np.int32), (make_tokenizer(), np.uint16)):
        output = tmp_path / dtype.__name__
        output.mkdir()
        outcomes = list(
            tokenize_partition(
                [pa.RecordBatch.from_pylist(ROWS)],
                0,
                str(output),
                TokenizeSettings(tokenizer=spec, fim=fim, shard_tokens=10**9),
            )
        )
        assert outcomes
        tokenizer = load_tokenizer(spec, need_fim=True)
        expected = encode_documents([r["content"] for r in ROWS], [r["id"] for r in ROWS], tokenizer, fim)
        assert expected.tokens.dtype == dtype
        np.savez(output / "expected.npz", tokens=expected.tokens, lengths=expected.lengths)
        pairs += [str(output / "part-00000-0000"), str(output / "expected.npz")]
    result = subprocess.run([megatron_python(), str(CHECK), *pairs], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert result.stdout.count("identical") == 2
