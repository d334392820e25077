"""Build the samples of one repository: extract imports, resolve them, order the files, and
concatenate them (with a path header each) into samples packed up to a budget in bytes, or in tokens
of the tokenizer (`max_sample_tokens`: a file longer than that alone is split at line boundaries).

`repo_samples(rows)` works on a list of file rows; `samples_table(table)` is the Arrow form the
Spark job applies to each repository's group of rows.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from pipeline.filters import docs
from pipeline.langs.detect import detect_spec
from pipeline.langs.registry import LanguageSpec, Registry, default_registry
from pipeline.repo.extract import NO_IMPORTS_STATUSES, Budget, extract_facts
from pipeline.repo.headers import HEADER_STYLES, render_file, repo_prefix
from pipeline.repo.index import RepoIndex
from pipeline.repo.order import dependency_order
from pipeline.repo.resolve import RepoResolver
from pipeline.schema import make_id
from pipeline.stage import setting
from pipeline.tokenize.tokenizer import DEFAULT_TOKENIZER, LoadedTokenizer, load_tokenizer

# 128K tokens at ~3 bytes of code per token (DeepSeek's tokenizer averages a little more on code).
DEFAULT_MAX_SAMPLE_BYTES = 128 * 1024 * 3
# Room a token-sized sample leaves for what `corpus tokenize` adds: EOS, and three markers in a FIM document.
RESERVED_TOKENS = 4
ENCODE_CHARS = 8 << 20  # text counted in one encode_batch call (bounds the encodings held at once)
CUT_MARGIN_TOKENS = 8  # a part cut from a file's encoding may re-encode a few tokens longer at its ends

SAMPLES_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string()),
        pa.field("repo_name", pa.string()),
        pa.field("path", pa.string()),  # null: a sample holds many files (see file_paths)
        pa.field("url", pa.string()),
        pa.field("language", pa.string()),  # the main language of the sample, by bytes
        pa.field("content", pa.string()),
        pa.field("size_bytes", pa.int64()),
        pa.field("languages", pa.list_(pa.string())),
        pa.field("file_paths", pa.list_(pa.string())),
        pa.field("file_ids", pa.list_(pa.string())),
        pa.field("n_files", pa.int64()),
        pa.field("license", pa.string()),
        pa.field("n_import_edges", pa.int64()),  # imports found in the sample's files
        pa.field("n_resolved_edges", pa.int64()),  # distinct edges to files of the repository
        pa.field("n_cycle_edges", pa.int64()),  # resolved edges inside an import cycle
        pa.field("n_backward_edges", pa.int64()),  # resolved edges whose target is not placed before
        pa.field("n_unparsed_files", pa.int64()),  # over the size/time budget or failed to parse
        pa.field("n_capped_files", pa.int64()),  # files with more dependencies than MAX_TARGETS_PER_FILE
        # which consecutive range of a repository's files (by path) the sample came from, when the repository
        # was over --max-repo-bytes / --max-repo-files and was split; null when it was taken whole
        pa.field("repo_part", pa.int64()),
        # with --max-sample-tokens: the sample's tokens (null when sized in bytes), and how many of its files
        # are a part of a file longer than the budget alone, split at line boundaries
        pa.field("size_tokens", pa.int64()),
        pa.field("n_split_files", pa.int64()),
        # bytes of the sample's files (as rendered, header included) that are documentation and other text
        # (pipeline/filters/docs.py `is_text`: README, docs, LICENSE) and notebooks (source_format notebook:*,
        # else a .ipynb path): what `corpus tokenize` turns into the sidecar's text_share / notebook_share
        pa.field("text_bytes", pa.int64()),
        pa.field("notebook_bytes", pa.int64()),
    ]
)


_NO_SPEC = LanguageSpec(name="", kind="prose")


@dataclass(frozen=True)
class SampleOptions:
    """The repo-samples stage's settings (flags, [repo_samples] TOML keys, manifest)."""

    max_sample_bytes: int = setting(
        DEFAULT_MAX_SAMPLE_BYTES,
        "pack a repository's small samples up to this size; split longer ones at file boundaries "
        "(default: about 128K tokens)",
        minimum=1,
        exclusive="sample_size",
    )
    max_sample_tokens: int | None = setting(
        None,
        "size samples in tokens of --tokenizer instead of bytes (16384, 131072: the 16K and 128K context "
        f"stages; {RESERVED_TOKENS} are left for EOS and FIM markers); a file longer than that alone is split "
        "at line boundaries, each part with its path header",
        minimum=RESERVED_TOKENS + 1,
        exclusive="sample_size",
    )
    tokenizer: str = setting(
        DEFAULT_TOKENIZER, "with --max-sample-tokens: the tokenizer that counts ('deepseek' or a tokenizer.json path)"
    )
    header: str = setting(
        "comment",
        "how each file is introduced: a path comment in its own syntax, or the tokenizer's file-name special tokens",
        choices=HEADER_STYLES,
    )
    budget: Budget = field(default_factory=Budget)
    # A larger repository is split into consecutive ranges of its files by path (the stage's memory
    # holds one range at a time); imports between ranges are lost, and the samples say which range.
    max_repo_bytes: int = setting(
        128 << 20,
        "split a larger repository into consecutive ranges of its files (by path) of about this size "
        "(a range starts below it), each processed alone: bounds a worker's memory; imports between "
        "ranges are lost",
        minimum=1,
    )
    max_repo_files: int = setting(20_000, "split a repository with more files the same way", minimum=1)


@dataclass
class RepoGraph:
    """What ordering found in one repository; also used by the benchmark."""

    paths: list[str]
    sequences: list[list[int]]
    edges: set[tuple[int, int]]
    component: list[int]
    n_imports: list[int]
    n_resolved: list[int]
    statuses: list[str]
    languages: list[str | None]
    capped: list[bool]  # the file's dependencies were cut to the nearest MAX_TARGETS_PER_FILE

    def cycle_edges(self) -> set[tuple[int, int]]:
        return {(a, b) for a, b in self.edges if self.component[a] == self.component[b]}


def spec_for(row: dict, registry: Registry) -> LanguageSpec | None:
    spec = registry.get(row.get("language"))
    return spec or detect_spec(row.get("path") or "", row.get("content"), registry)


def repo_graph(rows: list[dict], registry: Registry | None = None, budget: Budget | None = None) -> RepoGraph:
    registry = registry or default_registry()
    budget = budget or Budget()
    paths = [row.get("path") or row.get("id") or "" for row in rows]
    contents = [row.get("content") or "" for row in rows]
    specs = [spec_for(row, registry) for row in rows]
    facts = [extract_facts(content, spec, budget) for content, spec in zip(contents, specs, strict=True)]
    resolver = RepoResolver(RepoIndex(paths, contents), facts, [s.extensions if s else () for s in specs])
    edges, n_imports, n_resolved = resolver.edges()
    sequences, component = dependency_order(paths, edges)
    return RepoGraph(
        paths,
        sequences,
        edges,
        component,
        n_imports,
        n_resolved,
        [f.status for f in facts],
        [row.get("language") for row in rows],
        resolver.capped,
    )


@dataclass
class Item:
    """What a sample is packed from: a file rendered with its header, or a part of a file too long alone."""

    file: int  # index into the repository's rows
    text: str
    bytes: int
    tokens: int | None = None
    split: bool = False  # a part of a file split at line boundaries


def repo_samples(
    rows: list[dict], registry: Registry | None = None, options: SampleOptions = SampleOptions()
) -> tuple[list[dict], Counter]:
    """Samples of one repository (rows share a repo_name) and counters for the stage's statistics."""
    if not rows:
        return [], Counter()
    registry = registry or default_registry()
    graph = repo_graph(rows, registry, options.budget)
    specs = [spec_for(row, registry) for row in rows]
    rendered = [
        render_file(graph.paths[i], rows[i].get("content") or "", specs[i], options.header) for i in range(len(rows))
    ]
    repo_name = rows[0].get("repo_name")
    prefix = repo_prefix(repo_name, options.header)
    split_stats: Counter = Counter()
    if options.max_sample_tokens:
        tokenizer = load_tokenizer(options.tokenizer)
        prefix_tokens = count_tokens([prefix], tokenizer)[0] if prefix else 0
        budget = options.max_sample_tokens - RESERVED_TOKENS - prefix_tokens
        items_of = token_items(rows, graph.paths, specs, rendered, options.header, budget, tokenizer, split_stats)
    else:
        prefix_tokens = None
        budget = options.max_sample_bytes - len(prefix.encode())
        items_of = [[Item(i, text, _utf8_size(text))] for i, text in enumerate(rendered)]
    items = [item for file_items in items_of for item in file_items]
    first_item = [0, *itertools.accumulate(len(file_items) for file_items in items_of)]  # each file's first item
    sequences = [[first_item[i] + k for i in seq for k in range(len(items_of[i]))] for seq in graph.sequences]
    sizes = [item.tokens if options.max_sample_tokens else item.bytes for item in items]
    groups = pack(sequences, sizes, budget)
    placed = [items[k].file for group in groups for k in group]
    position = {}
    for k, node in enumerate(placed):
        position.setdefault(node, k)
    cycle_edges = graph.cycle_edges()
    outgoing: dict[int, list[int]] = {}
    for a, b in graph.edges:
        outgoing.setdefault(a, []).append(b)
    license_ = next((r.get("license") for r in rows if r.get("license")), None)
    file_category = [_file_category(row) for row in rows]
    samples = []
    for k, group in enumerate(groups):
        parts = [items[j] for j in group]
        files = list(dict.fromkeys(item.file for item in parts))
        content = prefix + "".join(item.text for item in parts)
        sample_edges = [(a, b) for a in files for b in outgoing.get(a, ())]
        bytes_by_language = Counter()
        for item in parts:
            if rows[item.file].get("language"):
                bytes_by_language[rows[item.file]["language"]] += item.bytes
        bytes_by_category = Counter()
        for item in parts:
            bytes_by_category[file_category[item.file]] += item.bytes
        languages = [lang for lang, _ in sorted(bytes_by_language.items(), key=lambda kv: (-kv[1], kv[0]))]
        # The main language is the largest *code* language: a long LICENSE must not make a Go repo "Text".
        code = [lang for lang in languages if (registry.get(lang) or _NO_SPEC).kind == "code"]
        samples.append(
            {
                "id": make_id("repo-sample", repo_name, str(k), graph.paths[files[0]]),
                "source": rows[files[0]].get("source"),
                "repo_name": repo_name,
                "path": None,
                "url": None,
                "language": (code or languages or [None])[0],
                "content": content,
                "size_bytes": len(content.encode("utf-8", "surrogatepass")),
                "languages": languages,
                "file_paths": [graph.paths[i] for i in files],
                "file_ids": [rows[i].get("id") for i in files],
                "n_files": len(files),
                "license": license_,
                "n_import_edges": sum(graph.n_imports[i] for i in files),
                "n_resolved_edges": len(sample_edges),
                "n_cycle_edges": sum(1 for e in sample_edges if e in cycle_edges),
                "n_backward_edges": sum(1 for a, b in sample_edges if position[b] > position[a]),
                "n_unparsed_files": sum(1 for i in files if graph.statuses[i] in NO_IMPORTS_STATUSES),
                "n_capped_files": sum(1 for i in files if graph.capped[i]),
                "repo_part": rows[0].get("repo_part"),
                "size_tokens": None if prefix_tokens is None else prefix_tokens + sum(item.tokens for item in parts),
                "n_split_files": len({item.file for item in parts if item.split}),
                "text_bytes": bytes_by_category[docs.TEXT],
                "notebook_bytes": bytes_by_category[docs.NOTEBOOK],
            }
        )
    stats = Counter(
        files=len(rows),
        samples=len(samples),
        imports=sum(graph.n_imports),
        resolved_imports=sum(graph.n_resolved),
        edges=len(graph.edges),
        cycle_edges=len(cycle_edges),
        capped_files=sum(graph.capped),
    )
    stats.update(f"status_{s}" for s in graph.statuses)
    stats.update(split_stats)
    return samples, stats


def _file_category(row: dict) -> str | None:
    """`notebook`, `text` (documentation: docs.is_text) or None (code and the rest) for a file row."""
    if docs.is_notebook(row.get("source_format"), row.get("path")):
        return docs.NOTEBOOK
    return docs.TEXT if docs.is_text(row.get("language")) else None


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def count_tokens(texts: list[str], tokenizer: LoadedTokenizer) -> list[int]:
    """Tokens of each text as `corpus tokenize` encodes content (added tokens off), in bounded batches."""
    counts: list[int] = []
    batch: list[str] = []
    chars = 0
    for text in texts:
        batch.append(text)
        chars += len(text)
        if chars >= ENCODE_CHARS:
            counts += [len(e.ids) for e in tokenizer.encoder.encode_batch_fast(batch, add_special_tokens=False)]
            batch, chars = [], 0
    if batch:
        counts += [len(e.ids) for e in tokenizer.encoder.encode_batch_fast(batch, add_special_tokens=False)]
    return counts


def token_items(
    rows: list[dict],
    paths: list[str],
    specs: list,
    rendered: list[str],
    style: str,
    budget: int,
    tokenizer: LoadedTokenizer,
    stats: Counter,
) -> list[list[Item]]:
    """Each file as one item counted in tokens, or, when the file alone is over `budget`, as parts
    split at line boundaries, each with the file's header.

    Every file is encoded once. A file of at most `budget` bytes cannot be longer than `budget` tokens
    (a token is at least a byte) and is only counted. A larger one is encoded with offsets, which give
    both its count and, when it is over the budget, where to cut it."""
    sizes = [_utf8_size(text) for text in rendered]
    small = [i for i, size in enumerate(sizes) if size <= budget]
    items: list[list[Item]] = [[] for _ in rendered]
    large = []
    for i, count in zip(small, count_tokens([rendered[i] for i in small], tokenizer), strict=True):
        items[i] = [Item(i, rendered[i], sizes[i], count)]
        if count > budget:  # a tokenizer whose normalizer lengthens text: treat it as large
            large.append(i)
    large += [i for i, size in enumerate(sizes) if size > budget]
    k = 0
    while k < len(large):
        batch, chars = [], 0
        while k < len(large) and (not batch or chars < ENCODE_CHARS // 4):  # offsets take more memory
            batch.append(large[k])
            chars += len(rendered[large[k]])
            k += 1
        encodings = tokenizer.encoder.encode_batch([rendered[i] for i in batch], add_special_tokens=False)
        for i, encoding in zip(batch, encodings, strict=True):
            if len(encoding.ids) <= budget:
                items[i] = [Item(i, rendered[i], sizes[i], len(encoding.ids))]
                continue
            # where the body sits in the rendered file: between the header and what closes the file
            marked = render_file(paths[i], "\0\n", specs[i], style)
            body_start = marked.index("\0")
            body_end = len(rendered[i]) - (len(marked) - body_start - 2)
            parts = split_rendered(rendered[i], body_start, body_end, encoding.offsets, budget, stats)
            items[i] = []
            for part, tokens in parts:
                text = render_file(paths[i], part, specs[i], style)
                items[i].append(Item(i, text, _utf8_size(text), tokens, split=True))
            stats["split_files"] += 1
            stats["split_file_parts"] += len(parts)
    return items


def split_rendered(
    rendered: str, body_start: int, body_end: int, offsets, budget: int, stats: Counter
) -> list[tuple[str, int]]:
    """(part of the body, tokens of the part rendered with its header) of a file over `budget` tokens,
    whose body is `rendered[body_start:body_end]`: consecutive runs of whole lines, cut where the file's
    own encoding (`offsets`) puts at most `budget` tokens in a part, header included, less a margin for
    what a cut re-encodes differently. A line longer than that alone is cut between two of its tokens
    (counted: `split_long_lines`)."""
    body = rendered[body_start:body_end]
    starts = np.fromiter((start for start, _ in offsets), np.int64, len(offsets)) - body_start
    first = int(np.searchsorted(starts, 0, side="left"))  # the header's tokens start before the body
    last_token = int(np.searchsorted(starts, len(body), side="left"))  # then the tokens closing the file
    frame = first + len(starts) - last_token
    room = max(1, budget - frame - CUT_MARGIN_TOKENS)
    text = np.frombuffer(body.encode("utf-32-le", "surrogatepass"), np.uint32)
    line_ends = np.append(np.flatnonzero(text == 10) + 1, len(body))  # a part ends after a newline
    tokens_before = np.searchsorted(starts, line_ends, side="left")  # tokens that start before each end
    parts: list[tuple[str, int]] = []
    position = 0  # in the body; `first`: the first token at or after it
    while position < len(body):
        fits = int(np.searchsorted(tokens_before, first + room, side="right")) - 1
        end = int(line_ends[fits]) if fits >= 0 else position
        if end <= position:  # one line over the budget alone: cut it between two tokens
            if position == 0 or body[position - 1] == "\n":
                stats["split_long_lines"] += 1
            cut = first + room
            end = int(starts[cut]) if cut < last_token else len(body)
            end = max(end, position + 1)
        following = min(int(np.searchsorted(starts, end, side="left")), last_token)
        newline = 0 if body[end - 1] == "\n" else 1  # rendering ends a part cut inside a line with one
        parts.append((body[position:end], frame + following - first + newline))
        position, first = end, following
    return parts


def pack(sequences: list[list[int]], sizes: list[int], max_bytes: int) -> list[list[int]]:
    """Pack whole sequences into groups of at most `max_bytes`; split a longer sequence at file
    boundaries, keeping its order (a single file over the budget is a group of its own)."""
    groups: list[list[int]] = []
    current: list[int] = []
    current_bytes = 0
    for seq in sequences:
        seq_bytes = sum(sizes[i] for i in seq)
        if seq_bytes > max_bytes:
            if current:
                groups.append(current)
                current, current_bytes = [], 0
            chunk: list[int] = []
            chunk_bytes = 0
            for i in seq:
                if chunk and chunk_bytes + sizes[i] > max_bytes:
                    groups.append(chunk)
                    chunk, chunk_bytes = [], 0
                chunk.append(i)
                chunk_bytes += sizes[i]
            current, current_bytes = chunk, chunk_bytes  # the tail may still share with small sequences
            continue
        if current and current_bytes + seq_bytes > max_bytes:
            groups.append(current)
            current, current_bytes = [], 0
        current += seq
        current_bytes += seq_bytes
    if current:
        groups.append(current)
    return groups


def samples_table(
    table: pa.Table, options: SampleOptions = SampleOptions(), registry: Registry | None = None
) -> pa.Table:
    """All samples of the repositories (or parts of repositories: a `repo_part` column) in `table`
    (rows of the `files` dataset)."""
    by_repo: dict[tuple, list[dict]] = {}
    for row in table.to_pylist():
        by_repo.setdefault((row.get("repo_name"), row.get("repo_part")), []).append(row)
    samples = []
    for (repo_name, _), rows in by_repo.items():
        if repo_name is None:
            for row in rows:  # files without a repository: each is a sample of its own
                samples += repo_samples([row], registry, options)[0]
        else:
            samples += repo_samples(rows, registry, options)[0]
    return pa.Table.from_pylist(samples, schema=SAMPLES_SCHEMA)
