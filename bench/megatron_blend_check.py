"""Read a `corpus mix` blend file the way Megatron-LM does and report what its datasets hold and how its
BlendedDataset samples them.

Runs under an interpreter that has megatron-core (and torch, CPU), which need not have this project's
dependencies: `python bench/megatron_blend_check.py BLEND_TXT [--samples N] [--seq-length L]`.
Prints one JSON object: per prefix, its sequence count, token count and the sha256 of its tokens (as
little-endian int64), read by `IndexedDataset`; and, from a GPTDataset blend built by
`BlendedMegatronDatasetBuilder` with those weights, how many of N samples come from each prefix.
"""

import json
import sys
import tempfile
import warnings

import numpy as np


class _Tokenizer:
    """What GPTDataset asks of a tokenizer when the tokens are already on disk."""

    def __init__(self, vocab_size: int):
        self.vocab_size = vocab_size
        self.eod = 0
        self.pad = -1
        self.unique_identifiers = {"class": "pretokenized", "vocab_size": vocab_size}


def main(argv: list[str]) -> int:
    warnings.filterwarnings("ignore")
    import argparse
    import hashlib

    from megatron.core.datasets.blended_megatron_dataset_builder import BlendedMegatronDatasetBuilder
    from megatron.core.datasets.gpt_dataset import GPTDataset, GPTDatasetConfig
    from megatron.core.datasets.indexed_dataset import IndexedDataset
    from megatron.core.datasets.utils import get_blend_from_list

    parser = argparse.ArgumentParser()
    parser.add_argument("blend")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seq-length", type=int, default=64)
    parser.add_argument("--vocab-size", type=int, default=129280)
    args = parser.parse_args(argv)

    with open(args.blend) as handle:  # as megatron/training/utils.py reads --data-args-path
        blend = get_blend_from_list(handle.read().split())
    prefixes, weights = blend
    report = {"datasets": []}
    for prefix in prefixes:
        dataset = IndexedDataset(prefix)
        digest = hashlib.sha256()
        tokens = 0
        for i in range(len(dataset)):
            ids = np.asarray(dataset[i], dtype="<i8")
            tokens += len(ids)
            digest.update(ids.tobytes())
        report["datasets"].append(
            {"prefix": prefix, "sequences": len(dataset), "tokens": tokens, "sha256": digest.hexdigest()}
        )
    with tempfile.TemporaryDirectory() as cache:
        import torch.distributed

        # BlendedDataset asks for the rank when it caches its index: a one-process group on this machine
        torch.distributed.init_process_group("gloo", init_method=f"file://{cache}/rendezvous", rank=0, world_size=1)
        config = GPTDatasetConfig(
            random_seed=1234,
            sequence_length=args.seq_length,
            blend=blend,
            split="100,0,0",
            path_to_cache=cache,
            tokenizer=_Tokenizer(args.vocab_size),
            reset_position_ids=False,
            reset_attention_mask=False,
            eod_mask_loss=False,
        )
        train, _, _ = BlendedMegatronDatasetBuilder(GPTDataset, [args.samples, 0, 0], lambda: True, config).build()
        counts = np.bincount(np.asarray(train.dataset_index), minlength=len(prefixes))
        report["blended"] = {
            "samples": int(len(train)),
            "weights": list(weights or []),
            "samples_per_dataset": counts.tolist(),
        }
        torch.distributed.destroy_process_group()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
