"""Repositories of real shapes that once made the stage's memory grow with the square of their files:
the edges of one repository stay linear in its files, whatever the names its files share."""

import random
import tracemalloc

from pipeline.repo.resolve import MAX_TARGETS_PER_FILE
from pipeline.repo.samples import repo_graph, repo_samples


def dense_rows(language: str, files: int, refs: int, packaged: bool) -> list[dict]:
    """Files that each use `refs` names declared by others: package-less Java (the default package) or
    one Go package."""
    rng = random.Random(7)
    rows = []
    for i in range(files):
        used = rng.sample(range(files), refs)
        if language == "Java":
            header = "package app.core;\n" if packaged else ""
            body = " ".join(f"C{j} f{j} = null;" for j in used)
            content, path = f"{header}public class C{i} {{ {body} }}\n", f"src/dir{i % 40}/C{i}.java"
        else:
            total = " + ".join(f"V{j}" for j in used)
            content = f"package app\n\nvar V{i} = 1\n\nfunc F{i}() int {{ return {total} }}\n"
            path = f"app/f{i:05d}.go"
        rows.append(
            {
                "id": f"{i:05d}",
                "repo_name": "o/r",
                "path": path,
                "language": language,
                "content": content,
                "source": "github",
            }
        )
    return rows


def test_package_less_java_files_link_only_within_their_folder():
    graph = repo_graph(dense_rows("Java", 400, 50, packaged=False))
    folder = {i: p.rsplit("/", 1)[0] for i, p in enumerate(graph.paths)}
    assert graph.edges and all(folder[a] == folder[b] for a, b in graph.edges)


def test_implicit_edges_per_file_are_capped_and_memory_stays_linear():
    for language in ("Java", "Go"):
        rows = dense_rows(language, 800, 150, packaged=True)
        tracemalloc.start()
        samples, stats = repo_samples(rows)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert stats["edges"] <= MAX_TARGETS_PER_FILE * len(rows), language
        assert stats["capped_files"] > 0  # the cap was reached, and said so
        assert peak < 150 << 20, f"{language}: {peak >> 20} MB traced"  # uncapped: edges ~ files squared
        assert sorted(f for s in samples for f in s["file_ids"]) == sorted(r["id"] for r in rows)


def test_parsing_keeps_no_memory_per_file():
    """A reader callback made py-tree-sitter keep every chunk it returned: 300 MB per 78 KB Scala file."""
    from pipeline.langs.registry import default_registry
    from pipeline.repo.extract import PARSED, extract_facts

    def resident_mb() -> float:
        with open("/proc/self/status") as status:
            return int(next(line for line in status if line.startswith("VmRSS:")).split()[1]) / 1024

    spec = default_registry().get("Scala")  # its external scanner makes the lexer read at every token
    source = "object A {\n" + "".join(f"  def f{i}(x: Int): Int = x + {i} * g(x)\n" for i in range(2000)) + "}\n"
    assert extract_facts(source, spec).status == PARSED
    before = resident_mb()
    for _ in range(20):
        extract_facts(source, spec)
    assert resident_mb() - before < 40  # the callback kept ~64 KB per token: gigabytes here
