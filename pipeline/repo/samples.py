"""Build the samples of one repository: extract imports, resolve them, order the files, and
concatenate them (with a path header each) into samples packed up to a byte budget.

`repo_samples(rows)` works on a list of file rows; `samples_table(table)` is the Arrow form the
Spark job applies to each repository's group of rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from pipeline.langs.detect import detect_spec
from pipeline.langs.registry import LanguageSpec, Registry, default_registry
from pipeline.repo.extract import NO_IMPORTS_STATUSES, Budget, extract_facts
from pipeline.repo.headers import HEADER_STYLES, render_file, repo_prefix
from pipeline.repo.index import RepoIndex
from pipeline.repo.order import dependency_order
from pipeline.repo.resolve import RepoResolver
from pipeline.schema import make_id
from pipeline.stage import setting

# 128K tokens at ~3 bytes of code per token (DeepSeek's tokenizer averages a little more on code).
DEFAULT_MAX_SAMPLE_BYTES = 128 * 1024 * 3

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


def repo_samples(
    rows: list[dict], registry: Registry | None = None, options: SampleOptions = SampleOptions()
) -> tuple[list[dict], Counter]:
    """Samples of one repository (rows share a repo_name) and counters for the stage's statistics."""
    if not rows:
        return [], Counter()
    registry = registry or default_registry()
    graph = repo_graph(rows, registry, options.budget)
    rendered = [
        render_file(graph.paths[i], rows[i].get("content") or "", spec_for(rows[i], registry), options.header)
        for i in range(len(rows))
    ]
    sizes = [len(text.encode("utf-8", "surrogatepass")) for text in rendered]
    repo_name = rows[0].get("repo_name")
    prefix = repo_prefix(repo_name, options.header)
    groups = pack(graph.sequences, sizes, options.max_sample_bytes - len(prefix.encode()))
    position = {node: k for k, node in enumerate(node for group in groups for node in group)}
    cycle_edges = graph.cycle_edges()
    outgoing: dict[int, list[int]] = {}
    for a, b in graph.edges:
        outgoing.setdefault(a, []).append(b)
    license_ = next((r.get("license") for r in rows if r.get("license")), None)
    samples = []
    for k, group in enumerate(groups):
        content = prefix + "".join(rendered[i] for i in group)
        sample_edges = [(a, b) for a in group for b in outgoing.get(a, ())]
        bytes_by_language = Counter()
        for i in group:
            if rows[i].get("language"):
                bytes_by_language[rows[i]["language"]] += sizes[i]
        languages = [lang for lang, _ in sorted(bytes_by_language.items(), key=lambda kv: (-kv[1], kv[0]))]
        # The main language is the largest *code* language: a long LICENSE must not make a Go repo "Text".
        code = [lang for lang in languages if (registry.get(lang) or _NO_SPEC).kind == "code"]
        samples.append(
            {
                "id": make_id("repo-sample", repo_name, str(k), graph.paths[group[0]]),
                "source": rows[group[0]].get("source"),
                "repo_name": repo_name,
                "path": None,
                "url": None,
                "language": (code or languages or [None])[0],
                "content": content,
                "size_bytes": len(content.encode("utf-8", "surrogatepass")),
                "languages": languages,
                "file_paths": [graph.paths[i] for i in group],
                "file_ids": [rows[i].get("id") for i in group],
                "n_files": len(group),
                "license": license_,
                "n_import_edges": sum(graph.n_imports[i] for i in group),
                "n_resolved_edges": len(sample_edges),
                "n_cycle_edges": sum(1 for e in sample_edges if e in cycle_edges),
                "n_backward_edges": sum(1 for a, b in sample_edges if position[b] > position[a]),
                "n_unparsed_files": sum(1 for i in group if graph.statuses[i] in NO_IMPORTS_STATUSES),
                "n_capped_files": sum(1 for i in group if graph.capped[i]),
                "repo_part": rows[0].get("repo_part"),
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
    return samples, stats


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
