"""`corpus mix` end to end (no Spark): the plan printed first, the blend file and its views, the
manifest, reruns, and one-line errors with exit 2 for bad input."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from jobs import mix as job
from pipeline.mix.blend import read_blend
from pipeline.tokenize.mmidx import TokenShard
from tests.mix.conftest import code_rows, write_tokens


def inputs(token_folders, *names):
    return [token_folders[n] for n in names or ("code", "pages", "text", "go")]


def run(args, capsys):
    code = job.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read_view(prefix):
    """A view read through its .idx: lengths and byte offsets into the .bin it links to."""
    with open(prefix + ".idx", "rb") as handle:
        raw = handle.read()
    count = int(np.frombuffer(raw, "<u8", 1, 18)[0])
    lengths = np.frombuffer(raw, "<i4", count, 34)
    pointers = np.frombuffer(raw, "<i8", count, 34 + 4 * count)
    data = np.fromfile(prefix + ".bin", dtype=np.int32)
    return [data[p // 4 : p // 4 + n] for p, n in zip(pointers.tolist(), lengths.tolist(), strict=False)]


def test_blend_over_views(token_folders, tmp_path, capsys):
    output = str(tmp_path / "mix")
    code, out, _ = run(["--input", *inputs(token_folders), "--output", output], capsys)
    assert code == 0
    assert out.index("mix of ") < out.index("corpus mix: views")  # the plan is printed before anything is written
    assert "epochs" in out and "the most that repeats nothing" in out

    pairs = read_blend(os.path.join(output, "blend.txt"))  # as Megatron reads --data-args-path
    assert sum(w for w, _ in pairs) == pytest.approx(1.0, abs=1e-9)
    listed = json.load(open(os.path.join(output, "blend.json")))
    assert listed["data_path"] == [x for w, p in pairs for x in (listed["data_path"][0].__class__(f"{w:.12g}"), p)]
    by_group = {}
    for dataset, (weight, prefix) in zip(listed["datasets"], pairs, strict=True):
        assert dataset["prefix"] == prefix and os.path.isabs(prefix)
        assert os.path.islink(prefix + ".bin") and not os.path.isabs(os.readlink(prefix + ".bin"))
        assert sum(len(d) for d in read_view(prefix)) == dataset["tokens"]
        by_group[dataset["group"]] = by_group.get(dataset["group"], 0) + weight
    assert by_group == pytest.approx({"code": 0.6, "math": 0.1, "text": 0.3})
    # tokens by category per group, printed with the plan and in blend.json
    assert "categories (by bytes inside repository samples" in out and "mix by category" in out
    assert set(listed["categories"]) == {"code", "math", "text"} and listed["categories"]["math"].keys() == {"web"}
    assert sum(listed["categories"]["code"].values()) == pytest.approx(0.6 * listed["total_tokens"], abs=3)

    # a view holds exactly its part's documents of its shard, in shard order
    view = next(d for d in listed["datasets"] if d["group"] == "code" and d["language"] == "Rust")
    shard = TokenShard(view["source_shard"])
    import pyarrow.parquet as pq

    languages = pq.read_table(view["source_shard"] + ".docs.parquet").column("language").to_pylist()
    expected = [shard[i] for i, lang in enumerate(languages) if lang == "Rust"]
    got = read_view(view["prefix"])
    assert len(got) == len(expected) and all(np.array_equal(a, b) for a, b in zip(got, expected, strict=False))

    written = json.load(open(os.path.join(output, "_manifest.json")))
    assert written["stage"] == "mix" and written["output"]["format"] == "megatron-blend"
    assert written["input_rows"] == sum(
        json.load(open(os.path.join(f, "_manifest.json")))["documents"] for f in inputs(token_folders)
    )
    groups = {g["name"]: g for g in written["mix"]["groups"]}
    assert groups["math"]["blend_share"] == pytest.approx(0.1) and groups["math"]["target_share"] == 0.1
    assert written["tokenizer"]["name"] == "deepseek" and "read_inputs" in written["phases_before_run"]

    # a rerun with the same inputs and settings is a no-op
    code, out, _ = run(["--input", *inputs(token_folders), "--output", output], capsys)
    assert code == 0 and "already complete" in out

    # redone with other settings (--overwrite): the old views go, the inputs they link to stay
    sizes = {p: os.path.getsize(p) for f in inputs(token_folders) for p in map(str, Path(f).glob("*.bin"))}
    code, _, err = run(["--input", *inputs(token_folders), "--output", output, "--target", "code=1"], capsys)
    assert code == 2 and "--overwrite" in err
    code, _, _ = run(
        ["--input", *inputs(token_folders), "--output", output, "--target", "code=1", "--overwrite"], capsys
    )
    assert code == 0 and {p: os.path.getsize(p) for p in sizes} == sizes
    assert sorted(os.listdir(os.path.join(output, "views"))) == ["code"]


def test_config_file_with_group_tables(token_folders, tmp_path, capsys):
    config = tmp_path / "mix.toml"
    config.write_text(
        """
[mix]
target = "github=0.7,web=0.3"
language_temperature = 1.0

[mix.groups.github]
match = [{source = "github"}]
language_caps = {Python = 0.5}

[mix.groups.web]
match = [{}]
temperature = 3.0
"""
    )
    output = str(tmp_path / "mix")
    code, out, err = run(["--input", *inputs(token_folders), "--output", output, "--config", str(config)], capsys)
    assert code == 0, err
    written = json.load(open(os.path.join(output, "_manifest.json")))
    github = next(g for g in written["mix"]["groups"] if g["name"] == "github")
    python = next(lang for lang in github["languages"] if lang["language"] == "Python")
    assert python["share"] == pytest.approx(0.5) and python["capped"] and github["temperature"] == 1.0
    assert next(g for g in written["mix"]["groups"] if g["name"] == "web")["temperature"] == 3.0
    assert written["config"]["target"] == "github=0.7,web=0.3"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "code=0.5,math=0.1,text=0.3"], "shares sum to 0.9, not 1"),
        (["--target", "code=0.5,poetry=0.5"], "poetry that no group definition has"),
        (["--total-tokens", "100000"], "group code would be repeated 6.85 times"),
        (["--language-temperature", "0"], "--language-temperature must be"),
        (["--groups", '{"code": {"match": [{"colour": "red"}]}}'], "cannot match on colour"),
    ],
)
def test_bad_settings_are_one_line_errors(token_folders, tmp_path, capsys, args, message):
    output = tmp_path / "mix"
    code, _, err = run(["--input", *inputs(token_folders), "--output", str(output), *args], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not output.exists()  # refused before the output folder is touched


def test_bad_inputs_are_one_line_errors(token_folders, tmp_path, capsys, make_tokenizer):
    unfinished = tmp_path / "unfinished"
    shutil.copytree(token_folders["go"], unfinished)
    os.remove(unfinished / "_manifest.json")
    other = write_tokens(tmp_path / "other", code_rows("x", 5), tokenizer=make_tokenizer())
    cases = [
        ([str(unfinished)], "has no _manifest.json"),
        ([token_folders["code"], other], "was tokenized with another tokenizer"),
        ([token_folders["code"], token_folders["go"]], "group math has no tokens in the inputs"),
        ([str(tmp_path / "nowhere")], "not a folder"),
    ]
    for folders, message in cases:
        code, _, err = run(["--input", *folders, "--output", str(tmp_path / "out")], capsys)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    code, _, err = run(["--input", token_folders["code"], "--output", token_folders["code"] + "/mix"], capsys)
    assert code == 2 and "overlaps the input" in err


@pytest.fixture
def make_tokenizer(tmp_path):
    from tests.tokenize.conftest import tiny_tokenizer

    folder = tmp_path / "tiny"
    folder.mkdir()
    return lambda: tiny_tokenizer(folder)
