"""The token folders a mix reads: checked, and every document reduced to a few small numbers.

Each document of each input shard gets a *kind* (an index into the distinct combinations of input,
language, nl_language, source, recall_label and category: few, however many documents there are), read
from the shard's `.docs.parquet` sidecar, keeps its token count from the `.idx`, and its text and
notebook shares (float32) from the sidecar. Tokens stay on disk: the `.bin` files are read only when
documents are copied.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import UsageError
from pipeline.io import manifest, storage
from pipeline.tokenize.mmidx import IndexFormatError, TokenShard
from pipeline.tokenize.partition import DOCUMENT_COLUMNS, DOCUMENTS_SUFFIX, SHARE_COLUMNS, UNKNOWN

TOKEN_STAGES = ("tokenize", "mix")  # a materialized mix is a token folder too


@dataclass
class TokenInput:
    uri: str
    index: int
    manifest: dict
    shards: list[TokenShard]

    @property
    def names(self) -> frozenset[str]:
        """What a group's `input` clause may call it: as given, its absolute path, its folder name."""
        return frozenset({self.uri, os.path.abspath(self.uri), os.path.basename(os.path.normpath(self.uri))})


@dataclass
class Catalog:
    """Every document of the inputs, in input, shard and .idx order (its *global* number)."""

    inputs: list[TokenInput]
    shards: list[TokenShard]  # every input's shards, in order
    shard_offsets: np.ndarray  # int64, global number of each shard's first document, plus the total
    lengths: np.ndarray  # int64 tokens per document
    kinds: np.ndarray  # int32, index into `kind_table`
    # float32 per document: the share of its bytes that is documentation text / notebooks (sidecar)
    text_shares: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    notebook_shares: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    # input, language, nl_language, source, recall_label, category
    kind_table: list[dict] = field(default_factory=list)
    tokenizer: dict = field(default_factory=dict)

    @property
    def dtype(self) -> np.dtype:
        return self.shards[0].dtype

    def locate(self, documents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(shard index, document index inside the shard) of global document numbers."""
        shard = np.searchsorted(self.shard_offsets, documents, side="right") - 1
        return shard, documents - self.shard_offsets[shard]


def _fail(uri: str, what: str) -> UsageError:
    return UsageError(f"input {uri}: {what}")


def open_input(uri: str, index: int) -> TokenInput:
    if storage.is_remote(uri):
        raise _fail(uri, "corpus mix reads local token folders only (copy it to a local disk first)")
    if any(ch in uri for ch in "*?["):
        raise _fail(uri, "give token folders, not globs")
    if not os.path.isdir(uri):
        raise _fail(uri, "not a folder; give the --output folder of `corpus tokenize`")
    written = manifest.read_manifest(uri)
    if written is None:
        raise _fail(
            uri, f"has no {manifest.MANIFEST}: the tokenize run that writes it did not finish; rerun `corpus tokenize`"
        )
    if written.get("stage") not in TOKEN_STAGES or written.get("output", {}).get("format") != "megatron-mmidx":
        shown = written.get("output", {}).get("format", "parquet")
        raise _fail(
            uri, f"holds {shown} written by `corpus {written.get('stage')}`, not token shards; give a token folder"
        )
    metadata = written.get("document_metadata") or {}
    if metadata.get("suffix") != DOCUMENTS_SUFFIX:
        raise _fail(
            uri,
            "has no per-document metadata (written by an older `corpus tokenize`); rerun `corpus tokenize "
            "--overwrite` on it",
        )
    missing = [c for c in (*DOCUMENT_COLUMNS, *SHARE_COLUMNS) if c not in (metadata.get("columns") or ())]
    if missing:
        raise _fail(
            uri,
            f"its document sidecars have no {', '.join(missing)} (written by an older `corpus "
            f"{written.get('stage')}`); rerun `corpus {written.get('stage')} --overwrite` on it",
        )
    if not written.get("tokenizer", {}).get("sha256"):
        raise _fail(uri, "its manifest records no tokenizer; rerun `corpus tokenize --overwrite` on it")
    shards = []
    for entry in written.get("shards", []):
        prefix = os.path.join(uri, entry["name"])
        try:
            shard = TokenShard(prefix)
        except (IndexFormatError, FileNotFoundError) as error:
            raise _fail(uri, f"shard {entry['name']}: {error}; rerun `corpus tokenize --overwrite`") from None
        if len(shard) != entry["documents"]:
            raise _fail(
                uri, f"shard {entry['name']} holds {len(shard)} documents, its manifest says {entry['documents']}"
            )
        shards.append(shard)
    return TokenInput(uri=uri, index=index, manifest=written, shards=shards)


def check_tokenizers(inputs: list[TokenInput]) -> dict:
    """The inputs' common tokenizer; different vocabularies or files are a UsageError naming both."""
    first = inputs[0].manifest["tokenizer"]
    for other in inputs[1:]:
        recorded = other.manifest["tokenizer"]
        for key in ("sha256", "vocab_size", "dtype"):
            if recorded.get(key) != first.get(key):
                shown = [str(t.get(key))[:12] for t in (first, recorded)]
                raise UsageError(
                    f"input {other.uri} was tokenized with another tokenizer than {inputs[0].uri} ({key} "
                    f"{shown[1]} vs {shown[0]}); tokenize every input with the same --tokenizer"
                )
    return first


def open_catalog(uris: list[str]) -> Catalog:
    if not uris:
        raise UsageError("give at least one token folder with --input")
    inputs = [open_input(uri, k) for k, uri in enumerate(uris)]
    tokenizer = check_tokenizers(inputs)
    shards = [shard for token_input in inputs for shard in token_input.shards]
    if not shards:
        raise UsageError(f"the inputs ({', '.join(uris)}) hold no documents")
    kind_index: dict[tuple, int] = {}
    kinds, lengths, text_shares, notebook_shares = [], [], [], []
    for token_input in inputs:
        for shard in token_input.shards:
            table = _read_sidecar(shard, token_input.uri)
            kinds.append(_shard_kinds(table, token_input.index, kind_index))
            lengths.append(shard.sequence_lengths.astype(np.int64))
            for name, into in zip(SHARE_COLUMNS, (text_shares, notebook_shares), strict=True):
                values = table.column(name).to_numpy().astype(np.float32)  # nulls (none written) become NaN
                into.append(np.nan_to_num(values, nan=0.0))
    offsets = np.zeros(len(shards) + 1, np.int64)
    np.cumsum([len(s) for s in shards], out=offsets[1:])
    table = [dict(zip(("input", *DOCUMENT_COLUMNS), key, strict=True)) for key in kind_index]
    return Catalog(
        inputs=inputs,
        shards=shards,
        shard_offsets=offsets,
        lengths=np.concatenate(lengths),
        kinds=np.concatenate(kinds).astype(np.int32),
        text_shares=np.concatenate(text_shares),
        notebook_shares=np.concatenate(notebook_shares),
        kind_table=table,
        tokenizer=tokenizer,
    )


def _read_sidecar(shard: TokenShard, uri: str) -> pa.Table:
    path = shard.prefix + DOCUMENTS_SUFFIX
    try:
        table = pq.read_table(path, columns=[*DOCUMENT_COLUMNS, *SHARE_COLUMNS])
    except (FileNotFoundError, OSError, pa.ArrowInvalid) as error:
        raise _fail(uri, f"{os.path.basename(path)}: {error}; rerun `corpus tokenize --overwrite`") from None
    if table.num_rows != len(shard):
        raise _fail(uri, f"{os.path.basename(path)} has {table.num_rows} rows for {len(shard)} documents")
    return table


def _shard_kinds(table: pa.Table, input_index: int, kind_index: dict[tuple, int]) -> np.ndarray:
    """Each document's kind: its sidecar's columns, combined through their dictionaries (no per-row Python)."""
    codes = np.zeros(table.num_rows, np.int64)
    dictionaries = []
    for name in DOCUMENT_COLUMNS:
        column = table.column(name).combine_chunks()
        if not hasattr(column, "dictionary"):
            column = column.dictionary_encode()
        values = column.dictionary.to_pylist()
        indices = column.indices.to_numpy(zero_copy_only=False)
        # nulls become the extra last value None
        indices = np.where(column.is_null().to_numpy(zero_copy_only=False), len(values), indices).astype(np.int64)
        codes = codes * (len(values) + 1) + indices
        dictionaries.append([*values, None])
    unique, inverse = np.unique(codes, return_inverse=True)
    local = np.empty(len(unique), np.int32)
    for k, code in enumerate(unique.tolist()):
        key = []
        for values in reversed(dictionaries):
            code, index = divmod(code, len(values))
            key.append(values[index])
        key = (input_index, *reversed(key))
        local[k] = kind_index.setdefault(key, len(kind_index))
    return local[inverse]


def language_key(kind: dict) -> str:
    """The language a group's temperature works on: the programming language, else the natural one."""
    language = kind.get("language")
    if language and language != UNKNOWN:
        return language
    return kind.get("nl_language") or UNKNOWN
