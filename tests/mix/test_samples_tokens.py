"""`corpus repo-samples --max-sample-tokens`: samples sized in tokens of the tokenizer, a file split only
when it alone is longer (at line boundaries, each part with its path header, counted)."""

from collections import defaultdict

import pyarrow as pa
import pytest

from pipeline.config import UsageError
from pipeline.repo.samples import RESERVED_TOKENS, SampleOptions, count_tokens, repo_samples, samples_table
from pipeline.stage import from_values
from pipeline.tokenize.tokenizer import load_tokenizer
from tests.repo.sample_repos import inline_registry, sample_rows

REGISTRY = inline_registry()
BIG = "".join(f"value_{i} = compute({i}, {i * 7})  # line {i}\n" for i in range(300))
MINIFIED = "var a=[" + ",".join(str(i) for i in range(2500)) + "];\n"
ROWS = [
    {"id": "big", "repo_name": "o/r", "path": "big.py", "language": "Python", "content": BIG},
    {"id": "min", "repo_name": "o/r", "path": "dist/min.js", "language": "JavaScript", "content": MINIFIED},
    {"id": "s", "repo_name": "o/r", "path": "small.py", "language": "Python", "content": "import big\n"},
    {"id": "t", "repo_name": "o/r", "path": "tiny.py", "language": "Python", "content": "x = 1\n"},
]


def test_samples_fit_the_token_budget_and_count_exactly():
    tokenizer = load_tokenizer()
    by_repo = defaultdict(list)
    for row in sample_rows():
        by_repo[row["repo_name"]].append(row)
    budget = 400
    for rows in by_repo.values():
        samples, _ = repo_samples(rows, REGISTRY, SampleOptions(max_sample_tokens=budget))
        real = count_tokens([s["content"] for s in samples], tokenizer)
        assert [s["size_tokens"] for s in samples] == real  # path-comment headers: counts add up exactly
        assert all(n <= budget - RESERVED_TOKENS for n in real)
        ids = {i for s in samples for i in s["file_ids"]}
        assert ids == {r["id"] for r in rows}
        # a file is split (found in several samples) only when, with its header, it alone is over the budget
        seen = defaultdict(int)
        for sample in samples:
            for path in sample["file_paths"]:
                seen[path] += 1
        for row in rows:
            if seen[row["path"]] > 1:
                assert count_tokens([row["content"]], tokenizer)[0] > budget - RESERVED_TOKENS - 40
            else:
                assert any(row["content"] in sample["content"] for sample in samples)


def test_a_long_file_is_split_at_line_boundaries_with_its_header():
    samples, stats = repo_samples(ROWS, REGISTRY, SampleOptions(max_sample_tokens=300))
    big = [s for s in samples if "big.py" in s["file_paths"]]
    assert len(big) > 3 and all(s["size_tokens"] <= 296 for s in samples)
    # parts are counted from the file's one encoding: within a token of their own, never under it by more
    real = count_tokens([s["content"] for s in samples], load_tokenizer())
    assert all(-1 <= s["size_tokens"] - n <= 2 for s, n in zip(samples, real, strict=True)) and max(real) <= 296
    body = ""
    for sample in big:
        part = sample["content"].split("# small.py\n")[0]  # the last part may share its sample
        assert part.startswith("# big.py\n") and part.endswith("\n")
        body += part[len("# big.py\n") :]
    assert body == BIG  # the parts are the file, in order, cut only between lines
    assert stats["split_files"] == 2 and stats["split_file_parts"] == sum(s["n_split_files"] for s in samples)
    minified = [s["content"].split("# tiny.py\n")[0] for s in samples if "dist/min.js" in s["file_paths"]]
    assert stats["split_long_lines"] == 1 and len(minified) > 3  # one line alone is over the budget
    assert all(part.startswith("// dist/min.js\n") and part.endswith("\n") for part in minified)
    # cut inside the line: rendering ends each part with a newline of its own
    chunks = [part[len("// dist/min.js\n") : -1] for part in minified]
    assert "".join(chunks) + "\n" == MINIFIED
    small = next(s for s in samples if "small.py" in s["file_paths"])
    assert small["content"].endswith("# small.py\nimport big\n")  # whole files share the last part's sample
    assert any(s["content"].endswith("# tiny.py\nx = 1\n") for s in samples)


def test_bytes_stay_the_default_and_the_two_sizes_exclude_each_other():
    samples, stats = repo_samples(ROWS, REGISTRY, SampleOptions())
    assert len(samples) == 1 and samples[0]["size_tokens"] is None and samples[0]["n_split_files"] == 0
    assert "split_files" not in stats
    with pytest.raises(UsageError, match="give at most one of --max-sample-bytes, --max-sample-tokens"):
        from_values(SampleOptions, {"max_sample_bytes": 1000, "max_sample_tokens": 16384})
    table = samples_table(pa.Table.from_pylist(ROWS), SampleOptions(max_sample_tokens=16384), REGISTRY)
    assert table.num_rows == 1 and table.column("size_tokens").to_pylist()[0] > 1000
