"""`--materialize`: the mixed, globally shuffled token shards, streamed from the inputs' `.bin` files.

Selection, per (group, language) part wanting `w` of its `n` tokens (`e = w / n` epochs): every document
`floor(e)` times, then documents in a seeded random order of the part while they bring the part closer
to `w` (so a part ends within half a document of its target). The selected documents of all parts are
then put in one seeded random order (inputs interleaved, not one after another) and copied, in that
order, into shards of about --shard-tokens tokens. Every draw comes from numpy's PCG64 seeded by
(--seed, part number), so the same inputs and settings give the same bytes on every run.

Memory: the plan holds ~20 bytes per input document (its kind, token count, text and notebook shares)
and 8 per document written; tokens are copied through a bounded buffer, read from the `.bin` files with pread.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.mix.inputs import Catalog, language_key
from pipeline.mix.plan import SHARE_BLOCK, MixPlan, kind_categories
from pipeline.tokenize.mmidx import ShardWriter
from pipeline.tokenize.partition import DOCUMENT_COLUMNS, DOCUMENTS_SUFFIX, SHARE_COLUMNS, shard_name

COPY_BUFFER_BYTES = 32 << 20  # tokens gathered before one write
SHUFFLE_STREAM = 2**31 - 1  # the PCG64 stream of the global order (parts use their own numbers)
MIX_KIND_COLUMNS = (*DOCUMENT_COLUMNS, "group")  # the dictionary columns of a mixed shard's sidecar
MIX_COLUMNS = (*DOCUMENT_COLUMNS, *SHARE_COLUMNS, "group")  # all of its columns, in order


@dataclass
class Selection:
    order: np.ndarray  # int64 global document numbers, in output order (a document may repeat)
    realized: dict[tuple[str, str], int]  # tokens written per unit


def select_documents(catalog: Catalog, plan: MixPlan, kind_units: np.ndarray, seed: int) -> Selection:
    units = plan.units()
    wanted = {(g.name, lang.language): lang.wanted for g in plan.groups for lang in g.languages}
    doc_units = kind_units[catalog.kinds]
    by_unit = np.argsort(doc_units, kind="stable")
    counts = np.bincount(doc_units[doc_units >= 0], minlength=len(units))
    starts = np.searchsorted(doc_units[by_unit], np.arange(len(units)), side="left")
    del doc_units
    parts, realized = [], {}
    for u, unit in enumerate(units):
        members = by_unit[starts[u] : starts[u] + counts[u]]
        lengths = catalog.lengths[members]
        available = int(lengths.sum())
        full, rest = divmod(wanted[unit], available) if available else (0, 0.0)
        full = int(full)
        rng = np.random.Generator(np.random.PCG64([seed, u]))
        shuffled = members[rng.permutation(len(members))]
        cumulative = np.cumsum(catalog.lengths[shuffled])
        # take a document while it brings the part closer to its target: its midpoint is below `rest`
        take = int(np.searchsorted(cumulative - catalog.lengths[shuffled] / 2, rest, side="left"))
        parts += [members] * full + [shuffled[:take]]
        realized[unit] = full * available + (int(cumulative[take - 1]) if take else 0)
    del by_unit
    selected = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    rng = np.random.Generator(np.random.PCG64([seed, SHUFFLE_STREAM]))
    return Selection(order=selected[rng.permutation(len(selected))], realized=realized)


def _sidecar_columns(catalog: Catalog, plan: MixPlan, kind_units: np.ndarray) -> dict[str, tuple[list, np.ndarray]]:
    """Per sidecar column: its dictionary, and each kind's index into it (-1: null)."""
    units = plan.units()
    columns = {}
    for name in MIX_KIND_COLUMNS:
        values: list = []
        index = np.full(len(catalog.kind_table), -1, np.int32)
        for k, kind in enumerate(catalog.kind_table):
            value = units[kind_units[k]][0] if name == "group" and kind_units[k] >= 0 else kind.get(name)
            if value is not None:
                if value not in values:
                    values.append(value)
                index[k] = values.index(value)
        columns[name] = (values, index)
    return columns


class _BufferWriter(ShardWriter):
    """ShardWriter that writes the copy buffer as it is: `add` would copy it once more (`tobytes`)."""

    def add(self, tokens: np.ndarray, lengths: np.ndarray) -> None:
        if int(lengths.sum()) != len(tokens) or tokens.dtype != self.dtype or not tokens.flags.c_contiguous:
            raise ValueError("expected contiguous tokens of the shard's dtype that the lengths add up to")
        self._bin.write(memoryview(tokens).cast("B"))
        self._lengths.append(np.asarray(lengths, dtype=np.int64))
        self.tokens += len(tokens)
        self.documents += len(lengths)


class _Output:
    """Rolls the mixed shards: documents are never split; a shard ends with the document that reaches
    --shard-tokens."""

    def __init__(self, folder: str, dtype: np.dtype, shard_tokens: int, columns: dict):
        self.folder, self.dtype, self.shard_tokens, self.columns = folder, np.dtype(dtype), shard_tokens, columns
        self.sequence = 0
        self.writer: _BufferWriter | None = None
        self.kinds: list[np.ndarray] = []
        self.shares: dict[str, list[np.ndarray]] = {name: [] for name in SHARE_COLUMNS}
        self.finished: list[dict] = []

    def add(self, data: np.ndarray, lengths: np.ndarray, kinds: np.ndarray, shares: dict[str, np.ndarray]) -> None:
        if self.writer is None:
            self.writer = _BufferWriter(os.path.join(self.folder, shard_name(0, self.sequence)), self.dtype)
        self.writer.add(data, lengths)
        self.kinds.append(kinds)
        for name in SHARE_COLUMNS:
            self.shares[name].append(shares[name])
        if self.writer.tokens >= self.shard_tokens:
            self.finish()

    def room(self) -> int:
        return self.shard_tokens - (self.writer.tokens if self.writer else 0)

    def finish(self) -> None:
        if self.writer is None:
            return
        kinds = np.concatenate(self.kinds)
        arrays = []
        for name in MIX_COLUMNS:
            if name in SHARE_COLUMNS:
                arrays.append(pa.array(np.concatenate(self.shares[name]).astype(np.float32), pa.float32()))
                continue
            values, index = self.columns[name]
            codes = index[kinds]
            arrays.append(
                pa.DictionaryArray.from_arrays(
                    pa.array(codes, pa.int32(), mask=codes < 0), pa.array(values, pa.string())
                )
            )
        prefix = self.writer.prefix
        sidecar = prefix + DOCUMENTS_SUFFIX
        temporary = f"{sidecar}.tmp-{uuid.uuid4().hex[:12]}"
        pq.write_table(pa.table(arrays, names=list(MIX_COLUMNS)), temporary, compression="zstd")
        os.replace(temporary, sidecar)
        files = self.writer.finish()
        self.finished.append(
            {
                "name": os.path.basename(prefix),
                "documents": files.documents,
                "tokens": files.tokens,
                "bytes": files.bytes + os.path.getsize(sidecar),
            }
        )
        self.writer, self.kinds = None, []
        self.shares = {name: [] for name in SHARE_COLUMNS}
        self.sequence += 1

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()


def write_mixed_shards(
    catalog: Catalog, plan: MixPlan, kind_units: np.ndarray, selection: Selection, output: str, shard_tokens: int
) -> list[dict]:
    """Copy the selected documents in their order into `output/part-00000-SSSS.{bin,idx,docs.parquet}`."""
    itemsize = catalog.dtype.itemsize
    # pread into the buffer, not memory maps: mapped pages count in this process's RSS, which would then
    # grow with the input (the page cache holds them either way)
    files = [os.open(shard.prefix + ".bin", os.O_RDONLY) for shard in catalog.shards]
    pointers = [shard.sequence_pointers for shard in catalog.shards]
    out = _Output(output, catalog.dtype, shard_tokens, _sidecar_columns(catalog, plan, kind_units))
    buffer = np.empty(COPY_BUFFER_BYTES // itemsize, catalog.dtype)
    view = memoryview(buffer.view(np.uint8))
    order = selection.order
    block = 1 << 14
    try:
        first = 0
        while first < len(order):
            documents = order[first : first + block]
            shards, local = catalog.locate(documents)
            lengths = catalog.lengths[documents]
            kinds = catalog.kinds[documents]
            # documents up to the one that fills the current shard, and no more than the buffer holds
            ends = np.cumsum(lengths)
            last = int(np.searchsorted(ends, out.room(), side="left"))
            fits = int(np.searchsorted(ends, len(buffer), side="right"))
            count = max(1, min(last + 1, fits, len(documents)))
            if lengths[0] > len(buffer):  # one document longer than the buffer: its own array
                buffer = np.empty(int(lengths[0]), catalog.dtype)
                view = memoryview(buffer.view(np.uint8))
            position = 0
            for s, d, length in zip(
                shards[:count].tolist(), local[:count].tolist(), lengths[:count].tolist(), strict=True
            ):
                pointer = int(pointers[s][d])
                size = length * itemsize
                if os.preadv(files[s], [view[position : position + size]], pointer) != size:
                    raise OSError(f"{catalog.shards[s].prefix}.bin: short read at byte {pointer}")
                position += size
            chosen = documents[:count]
            shares = {"text_share": catalog.text_shares[chosen], "notebook_share": catalog.notebook_shares[chosen]}
            out.add(buffer[: position // itemsize], lengths[:count], kinds[:count], shares)
            first += count
        out.finish()
    except BaseException:
        out.abort()
        raise
    finally:
        for handle in files:
            os.close(handle)
    return out.finished


def realized_counts(catalog: Catalog, selection: Selection) -> dict[str, Counter]:
    """Tokens written by language, source, (group, language key) and category (estimated: the text /
    notebook shares of documents counted as text / notebook), for the manifest."""
    tokens, shares = _selected_tokens(catalog, selection)
    counts = {"language": Counter(), "source": Counter(), "category": Counter()}
    for k, total in enumerate(tokens.tolist()):
        if total:
            kind = catalog.kind_table[k]
            counts["language"][kind.get("language") or "unknown"] += int(total)
            counts["source"][kind.get("source") or "unknown"] += int(total)
            counts.setdefault("language_key", Counter())[language_key(kind)] += int(total)
            counts["category"].update(kind_categories(kind, int(total), shares[k]))
    counts["category"] = Counter({name: round(value) for name, value in counts["category"].items()})
    return counts


def realized_categories(
    catalog: Catalog, plan: MixPlan, kind_units: np.ndarray, selection: Selection
) -> dict[str, dict[str, float]]:
    """Tokens written per group and category (estimated as in the plan)."""
    tokens, shares = _selected_tokens(catalog, selection)
    units = plan.units()
    found: dict[str, dict[str, float]] = {}
    for k, total in enumerate(tokens.tolist()):
        if total and kind_units[k] >= 0:
            group = found.setdefault(units[kind_units[k]][0], {})
            for name, value in kind_categories(catalog.kind_table[k], int(total), shares[k]).items():
                group[name] = group.get(name, 0.0) + value
    return found


def _selected_tokens(catalog: Catalog, selection: Selection) -> tuple[np.ndarray, np.ndarray]:
    """Per kind: tokens written, and (tokens × text share, tokens × notebook share) written."""
    size = len(catalog.kind_table)
    tokens = np.zeros(size, np.float64)
    shares = np.zeros((size, 2), np.float64)
    for first in range(0, len(selection.order), SHARE_BLOCK):
        documents = selection.order[first : first + SHARE_BLOCK]
        kinds, lengths = catalog.kinds[documents], catalog.lengths[documents].astype(np.float64)
        tokens += np.bincount(kinds, weights=lengths, minlength=size)
        shares[:, 0] += np.bincount(kinds, weights=lengths * catalog.text_shares[documents], minlength=size)
        shares[:, 1] += np.bincount(kinds, weights=lengths * catalog.notebook_shares[documents], minlength=size)
    return tokens, shares
