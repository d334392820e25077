"""Samples of the built-in repositories: exact order, edges, cycle, every file exactly once,
packing/splitting and headers."""

from collections import defaultdict

import pytest

from pipeline.repo.extract import TOO_LARGE, Budget
from pipeline.repo.headers import file_name_tokens
from pipeline.repo.samples import SampleOptions, pack, repo_graph, repo_samples, samples_table
from tests.repo.expected import EXPECTED_CYCLES, EXPECTED_EDGES, EXPECTED_ORDER
from tests.repo.sample_repos import inline_registry, sample_rows

REGISTRY = inline_registry()


@pytest.fixture(scope="module")
def rows_by_repo():
    by_repo = defaultdict(list)
    for row in sample_rows():
        by_repo[row["repo_name"]].append(row)
    return by_repo


def test_every_sample_repository_is_checked(rows_by_repo):
    assert set(rows_by_repo) == set(EXPECTED_ORDER)


@pytest.mark.parametrize("repo", sorted(EXPECTED_ORDER))
def test_exact_order_edges_and_cycles(rows_by_repo, repo):
    graph = repo_graph(rows_by_repo[repo], REGISTRY)
    edges = {(graph.paths[a], graph.paths[b]) for a, b in graph.edges}
    assert edges == EXPECTED_EDGES[repo]
    cycles = {(graph.paths[a], graph.paths[b]) for a, b in graph.cycle_edges()}
    assert cycles == EXPECTED_CYCLES.get(repo, set())
    sequences = [[graph.paths[i] for i in seq] for seq in graph.sequences]
    assert EXPECTED_ORDER[repo] in sequences  # the connected subgraph is exactly one sequence

    samples, stats = repo_samples(rows_by_repo[repo], REGISTRY)
    assert len(samples) == 1  # a small repository packs into one sample
    placed = samples[0]["file_paths"]
    start = placed.index(EXPECTED_ORDER[repo][0])
    assert placed[start : start + len(EXPECTED_ORDER[repo])] == EXPECTED_ORDER[repo]
    assert samples[0]["n_cycle_edges"] == len(EXPECTED_CYCLES.get(repo, ()))
    # Outside cycles every import points backwards; inside the cycle exactly one edge cannot.
    assert samples[0]["n_backward_edges"] == len(EXPECTED_CYCLES.get(repo, ())) // 2


def test_every_input_file_is_in_exactly_one_sample(rows_by_repo):
    rows = [row for rows in rows_by_repo.values() for row in rows]
    import pyarrow as pa

    table = samples_table(pa.Table.from_pylist(rows), SampleOptions(max_sample_bytes=3000), REGISTRY)
    ids = [i for ids in table.column("file_ids").to_pylist() for i in ids]
    assert sorted(ids) == sorted(row["id"] for row in rows)
    assert sum(table.column("n_files").to_pylist()) == len(rows)
    assert table.num_rows > len(rows_by_repo)  # 3000 bytes forces packing into several samples


def test_comment_headers_use_each_files_own_syntax(rows_by_repo):
    sample = repo_samples(rows_by_repo["rustacean/tinyjson"], REGISTRY)[0][0]
    assert "// src/parse/lexer.rs\nuse crate::error::{Error, Position, Result};" in sample["content"]
    assert "<!-- README.md -->\n# tinyjson" in sample["content"]
    assert sample["content"].index("// src/error.rs") < sample["content"].index("// src/main.rs")
    assert sample["language"] == "Rust"
    assert sample["languages"][0] == "Rust"
    go = repo_samples(rows_by_repo["gopher/kvstore"], REGISTRY)[0][0]
    assert go["languages"][0] == "Text"  # the Apache-2.0 LICENSE is the largest file...
    assert go["language"] == "Go"  # ...but the main language is the largest code language


def test_token_headers_come_from_the_tokenizer(rows_by_repo):
    tokens = file_name_tokens()
    sample = repo_samples(rows_by_repo["gopher/kvstore"], REGISTRY, SampleOptions(header="tokens"))[0][0]
    assert sample["content"].startswith(f"{tokens.begin_repo_name}gopher/kvstore{tokens.end_repo_name}")
    assert f"{tokens.begin_file_name}store/store.go{tokens.end_file_name}{tokens.begin_file}" in sample["content"]
    assert sample["content"].count(tokens.begin_file_name) == sample["n_files"]
    # The tokenizer reads each marker as a single token.
    from tokenizers import Tokenizer

    from pipeline.tokenize.tokenizer import tokenizer_path

    encoded = Tokenizer.from_file(str(tokenizer_path("deepseek"))).encode(tokens.begin_file_name + "a.go")
    assert encoded.tokens[0] == tokens.begin_file_name


def test_pack_keeps_order_and_splits_at_file_boundaries():
    sizes = [40, 40, 40, 10, 10, 500]
    groups = pack([[0, 1, 2], [3], [4], [5]], sizes, max_bytes=100)
    assert groups == [[0, 1], [2, 3, 4], [5]]
    assert [i for g in groups for i in g] == [0, 1, 2, 3, 4, 5]


def test_oversized_file_is_still_included_and_counted():
    rows = [
        {
            "id": "a",
            "repo_name": "o/r",
            "path": "big.py",
            "language": "Python",
            "content": "import small\n" + "x = 1\n" * 200,
        },
        {"id": "b", "repo_name": "o/r", "path": "small.py", "language": "Python", "content": "import big\n"},
    ]
    options = SampleOptions(budget=Budget(parse_max_bytes=100, parse_max_seconds=1.0))
    graph = repo_graph(rows, REGISTRY, options.budget)
    assert graph.statuses[0] == TOO_LARGE
    assert {(graph.paths[a], graph.paths[b]) for a, b in graph.edges} == {("small.py", "big.py")}
    samples, stats = repo_samples(rows, REGISTRY, options)
    assert samples[0]["file_paths"] == ["big.py", "small.py"]
    assert samples[0]["n_unparsed_files"] == 1
    assert stats["status_too_large"] == 1


def test_files_without_repository_become_single_samples():
    import pyarrow as pa

    rows = [
        {"id": str(i), "repo_name": None, "path": f"f{i}.py", "language": "Python", "content": "x = 1\n"}
        for i in range(3)
    ]
    table = samples_table(pa.Table.from_pylist(rows), SampleOptions(), REGISTRY)
    assert table.num_rows == 3
    assert table.column("n_files").to_pylist() == [1, 1, 1]


def test_samples_count_their_documentation_and_notebook_bytes():
    import pyarrow as pa

    from pipeline.repo.headers import render_file
    from pipeline.repo.samples import SAMPLES_SCHEMA, spec_for

    rows = [
        {"id": "a", "repo_name": "o/r", "path": "lib.py", "language": "Python", "content": "def f(x):\n    return x\n"},
        {"id": "b", "repo_name": "o/r", "path": "README.md", "language": "Markdown", "content": "# r\n\nUse f.\n"},
        {"id": "c", "repo_name": "o/r", "path": "LICENSE", "language": "Text", "content": "MIT License\n" * 3},
        {
            "id": "d",
            "repo_name": "o/r",
            "path": "tour.ipynb",
            "language": "Python",
            "source_format": "notebook:structured",
            "content": "<jupyter_start><jupyter_text># Tour<jupyter_code>import lib<empty_output>",
        },
        # a notebook's script form read without source_format (as `corpus repo-samples` selects columns):
        # the .ipynb path says what it is
        {"id": "e", "repo_name": "o/r", "path": "nb/demo.ipynb", "language": "Python", "content": "# %%\nx = 1\n"},
    ]
    rendered = {
        row["id"]: len(render_file(row["path"], row["content"], spec_for(row, REGISTRY), "comment").encode())
        for row in rows
    }
    (sample,), _ = repo_samples(rows, REGISTRY)
    assert sample["text_bytes"] == rendered["b"] + rendered["c"] > 0
    assert sample["notebook_bytes"] == rendered["d"] + rendered["e"] > 0
    assert sample["size_bytes"] == sum(rendered.values())  # comment headers: no repository prefix
    assert sample["language"] == "Python"
    table = samples_table(pa.Table.from_pylist(rows[:1]), SampleOptions(), REGISTRY)
    assert table.schema == SAMPLES_SCHEMA
    assert table.column("text_bytes").to_pylist() == [0] and table.column("notebook_bytes").to_pylist() == [0]
