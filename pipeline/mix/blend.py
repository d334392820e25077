"""Megatron's blend: `w1 prefix1 w2 prefix2 ...`, the list `--data-path` takes, written as a file that
`--data-args-path` reads (Megatron splits it on whitespace) and as JSON.

Without --materialize the prefixes are *views*: one per input shard and (group, language), under
`MIX/views/<group>/<language>/`, each an `.idx` that lists only that part's documents (their lengths and
byte offsets into the input's `.bin`, which the view's `.bin` is a relative symlink to). No token is
copied. A view's weight is the part's planned share of the mix times the view's share of the part's
tokens, so Megatron's BlendedDataset, which samples each dataset in proportion to its weight, realizes
the plan. With --materialize the prefixes are the mixed shards, weighted by their tokens.
"""

from __future__ import annotations

import json
import os
import struct
import urllib.parse

import numpy as np

from pipeline.config import UsageError
from pipeline.mix.inputs import Catalog
from pipeline.mix.plan import CATEGORY_NOTE, MixPlan
from pipeline.tokenize.mmidx import DTYPE_CODES, INDEX_HEADER, INDEX_VERSION

BLEND_TXT = "blend.txt"  # for Megatron's --data-args-path
BLEND_JSON = "blend.json"
VIEWS = "views"
_FIXED = struct.Struct("<9sQBQQ")  # as pipeline/tokenize/mmidx.py writes it


def path_part(name: str) -> str:
    """A group or language as one safe folder name: `C++` -> `C%2B%2B`, never whitespace."""
    return urllib.parse.quote(name, safe="") or "%00"


def write_view(prefix: str, target_bin: str, lengths: np.ndarray, pointers: np.ndarray, dtype: np.dtype) -> None:
    """An MMIDIDX `.idx` over some documents of `target_bin`, and `<prefix>.bin` linking to it."""
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    count = len(lengths)
    temporary = f"{prefix}.idx.tmp-{os.getpid()}"
    with open(temporary, "wb") as handle:
        handle.write(_FIXED.pack(INDEX_HEADER, INDEX_VERSION, DTYPE_CODES[np.dtype(dtype).name], count, count + 1))
        handle.write(np.asarray(lengths, "<i4").tobytes())
        handle.write(np.asarray(pointers, "<i8").tobytes())
        handle.write(np.arange(count + 1, dtype="<i8").tobytes())
    link = f"{prefix}.bin"
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.relpath(os.path.abspath(target_bin), os.path.dirname(os.path.abspath(link))), link)
    os.replace(temporary, f"{prefix}.idx")


def write_views(catalog: Catalog, plan: MixPlan, kind_units: np.ndarray, output: str) -> list[dict]:
    """One view per input shard and unit; returns the blend's datasets (prefix, weight, counts)."""
    units = plan.units()
    unit_share = {}
    unit_tokens = {}
    for group in plan.groups:
        for lang in group.languages:
            unit_share[(group.name, lang.language)] = group.target * lang.share
            unit_tokens[(group.name, lang.language)] = lang.available
    datasets = []
    for s, shard in enumerate(catalog.shards):
        begin, end = catalog.shard_offsets[s], catalog.shard_offsets[s + 1]
        doc_units = kind_units[catalog.kinds[begin:end]]
        input_index = catalog.kind_table[int(catalog.kinds[begin])]["input"] if end > begin else 0
        for u in np.unique(doc_units[doc_units >= 0]).tolist():
            chosen = np.flatnonzero(doc_units == u)
            group, language = units[u]
            prefix = os.path.join(
                output,
                VIEWS,
                path_part(group),
                path_part(language),
                f"{input_index:03d}-{os.path.basename(shard.prefix)}",
            )
            lengths = shard.sequence_lengths[chosen]
            write_view(prefix, shard.prefix + ".bin", lengths, shard.sequence_pointers[chosen], shard.dtype)
            tokens = int(lengths.sum(dtype=np.int64))
            datasets.append(
                {
                    "prefix": os.path.abspath(prefix),
                    "weight": unit_share[units[u]] * tokens / unit_tokens[units[u]],
                    "group": group,
                    "language": language,
                    "tokens": tokens,
                    "documents": len(chosen),
                    "source_shard": os.path.abspath(shard.prefix),
                }
            )
    return datasets


def write_blend(output: str, datasets: list[dict], plan: MixPlan, materialized: bool) -> dict:
    """blend.txt (`--data-args-path`) and blend.json; returns what the manifest records about them."""
    for dataset in datasets:
        if any(ch.isspace() for ch in dataset["prefix"]):
            raise UsageError(
                f"{dataset['prefix']}: Megatron splits the blend file on whitespace; choose an --output without spaces"
            )
    total = sum(d["weight"] for d in datasets) or 1.0
    for dataset in datasets:
        dataset["weight"] = dataset["weight"] / total
    pairs = [f"{d['weight']:.12g} {d['prefix']}" for d in datasets]
    text = "\n".join(pairs) + "\n"
    with open(os.path.join(output, BLEND_TXT), "w", encoding="utf-8") as handle:
        handle.write(text)
    document = {
        "data_path": [item for d in datasets for item in (f"{d['weight']:.12g}", d["prefix"])],
        "total_tokens": plan.total_tokens,
        "materialized": materialized,
        "how": "megatron: --data-args-path blend.txt (or --data-path with data_path's items); "
        "--train-samples about total_tokens / --seq-length realizes the plan's epochs",
        "datasets": datasets,
        # per group, wanted tokens by category: the text / notebook shares of repository samples (by bytes)
        # counted as text / notebook, so estimated
        "categories": {
            group.name: {entry.category: round(entry.wanted) for entry in group.categories} for group in plan.groups
        },
        "categories_note": CATEGORY_NOTE,
    }
    with open(os.path.join(output, BLEND_JSON), "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    return {"txt": BLEND_TXT, "json": BLEND_JSON, "datasets": len(datasets)}


def read_blend(path: str) -> list[tuple[float, str]]:
    """(weight, prefix) pairs of a blend.txt, read the way Megatron reads `--data-args-path`."""
    with open(path, encoding="utf-8") as handle:
        items = handle.read().split()
    return [(float(items[i]), items[i + 1]) for i in range(0, len(items), 2)]
