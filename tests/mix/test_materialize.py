"""`--materialize`: the same bytes on every run, a crash rerun to the same bytes, documents of all
inputs interleaved, and every written document one of the inputs' with the planned shares."""

import collections
import json
import os

import numpy as np
import pyarrow.parquet as pq
import pytest

from jobs import mix as job
from pipeline.mix import materialize
from pipeline.tokenize.mmidx import TokenShard, shard_prefixes


def inputs(token_folders):
    return [token_folders[n] for n in ("code", "pages", "text", "go")]


def materialized(token_folders, output, *extra):
    args = ["--input", *inputs(token_folders), "--output", str(output), "--materialize", "--shard-tokens", "3000"]
    assert job.main([*args, *extra]) == 0
    return str(output)


def shard_files(folder):
    return {
        name: open(os.path.join(folder, name), "rb").read()
        for name in sorted(os.listdir(folder))
        if name.endswith((".bin", ".idx", ".docs.parquet"))
    }


def documents(folder):
    return [tuple(shard[i].tolist()) for shard in map(TokenShard, shard_prefixes(folder)) for i in range(len(shard))]


@pytest.fixture(scope="module")
def mixed(token_folders, tmp_path_factory):
    base = tmp_path_factory.mktemp("materialized")
    return {
        "one": materialized(token_folders, base / "one"),
        "two": materialized(token_folders, base / "two"),
        "seed": materialized(token_folders, base / "seed", "--seed", "7"),
        "repeat": materialized(token_folders, base / "repeat", "--total-tokens", "30000", "--allow-repeat"),
        "base": base,
    }


def test_same_bytes_on_every_run_and_another_order_for_another_seed(mixed):
    one, two = shard_files(mixed["one"]), shard_files(mixed["two"])
    assert one == two and len(one) >= 6  # several shards of ~3000 tokens
    seeded, first = documents(mixed["seed"]), documents(mixed["one"])
    assert seeded != first and sum(map(len, seeded)) == pytest.approx(sum(map(len, first)), rel=0.05)
    assert len(set(seeded) & set(first)) > len(first) / 2  # partial epochs: another subset, mostly the same


def test_written_documents_are_the_inputs_with_the_planned_shares(mixed, token_folders):
    pool = collections.Counter(d for folder in inputs(token_folders) for d in documents(folder))
    written = collections.Counter(documents(mixed["one"]))
    assert all(pool[d] >= n for d, n in written.items())  # at most one epoch: nothing repeated
    manifest = json.load(open(os.path.join(mixed["one"], "_manifest.json")))
    assert manifest["tokens"] == sum(len(d) for d in written.elements())
    assert manifest["documents"] == sum(written.values()) == manifest["output"]["rows"]
    for group in manifest["mix"]["groups"]:  # tiny groups: within a few documents of the target
        assert group["realized_share"] == pytest.approx(group["target_share"], abs=0.03)
    shards = [TokenShard(p) for p in shard_prefixes(mixed["one"])]
    assert all(s.tokens >= 3000 and s.tokens - int(s.sequence_lengths[-1]) < 3000 for s in shards[:-1])

    repeated = json.load(open(os.path.join(mixed["repeat"], "_manifest.json")))
    assert repeated["tokens"] == pytest.approx(30000, rel=0.02)
    counts = collections.Counter(documents(mixed["repeat"]))
    assert max(counts.values()) >= 2  # whole epochs repeat every document of a part
    for group in repeated["mix"]["groups"]:
        assert group["realized_share"] == pytest.approx(group["target_share"], abs=0.01)


def test_documents_of_all_inputs_are_interleaved(mixed):
    prefixes = shard_prefixes(mixed["one"])
    table = pq.read_table(prefixes[0] + ".docs.parquet").to_pylist()
    assert len(table) == len(TokenShard(prefixes[0]))
    sources = [row["source"] for row in table]
    groups = [row["group"] for row in table]
    assert {"github", "commoncrawl", "web"} <= set(sources)  # the first shard already holds every input
    switches = sum(a != b for a, b in zip(groups, groups[1:], strict=False))
    assert switches > len(groups) / 4  # not input after input: groups alternate throughout
    manifest = json.load(open(os.path.join(mixed["one"], "_manifest.json")))
    assert manifest["output"]["format"] == "megatron-mmidx" and manifest["document_metadata"]["columns"][-1] == "group"


def test_a_crash_reruns_to_the_same_bytes(mixed, token_folders, monkeypatch):
    output = mixed["base"] / "crash"
    real_finish = materialize._Output.finish
    calls = []

    def crash_on_third_shard(self):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk pulled")
        real_finish(self)

    monkeypatch.setattr(materialize._Output, "finish", crash_on_third_shard)
    with pytest.raises(OSError, match="disk pulled"):
        materialized(token_folders, output)
    assert not os.path.exists(output / "_manifest.json") and len(shard_prefixes(str(output))) == 2
    monkeypatch.setattr(materialize._Output, "finish", real_finish)
    materialized(token_folders, output)
    assert shard_files(str(output)) == shard_files(mixed["one"])
    assert not [n for n in os.listdir(output) if ".tmp-" in n]


def test_blend_of_a_materialized_mix_lists_its_shards(mixed):
    from pipeline.mix.blend import read_blend

    pairs = read_blend(os.path.join(mixed["one"], "blend.txt"))
    assert [os.path.basename(p) for _, p in pairs] == [os.path.basename(p) for p in shard_prefixes(mixed["one"])]
    tokens = [TokenShard(p).tokens for _, p in pairs]
    assert [w for w, _ in pairs] == pytest.approx([t / sum(tokens) for t in tokens])


def test_a_materialized_mix_is_a_token_folder_for_the_next_mix(mixed, tmp_path):
    output = tmp_path / "again"
    assert job.main(["--input", mixed["one"], "--output", str(output), "--target", "code=0.5,math=0.2,text=0.3"]) == 0
    written = json.load(open(output / "_manifest.json"))
    assert {g["name"] for g in written["mix"]["groups"]} == {"code", "math", "text"}
    assert np.isclose(sum(g["blend_share"] for g in written["mix"]["groups"]), 1.0)


def test_mixed_shards_keep_categories_and_shares(mixed):
    """The mixed sidecar carries each document's category and shares; the manifest counts the written
    tokens by category, per group and in all."""
    tokens, by_category = 0, collections.Counter()
    for prefix in shard_prefixes(mixed["one"]):
        table = pq.read_table(prefix + ".docs.parquet").to_pylist()
        lengths = TokenShard(prefix).sequence_lengths.tolist()
        for row, length in zip(table, lengths, strict=True):
            expected = {"web": (0.0, 0.0), "code": (0.0, 0.0), "text": (1.0, 0.0)}[row["category"]]
            assert (row["text_share"], row["notebook_share"]) == expected
            assert row["category"] == {"commoncrawl": "web", "github": "code", "web": "text"}[row["source"]]
            by_category[row["category"]] += length
            tokens += length
    manifest = json.load(open(os.path.join(mixed["one"], "_manifest.json")))
    assert manifest["tokens_by_category"] == dict(by_category) and sum(by_category.values()) == tokens
    assert manifest["document_metadata"]["share_columns"] == ["text_share", "notebook_share"]
    for group in manifest["mix"]["groups"]:
        assert sum(c["realized_tokens"] for c in group["categories"]) == group["realized_tokens"]
    groups = {g["name"]: [c["category"] for c in g["categories"]] for g in manifest["mix"]["groups"]}
    assert groups == {"code": ["code", "web"], "math": ["web"], "text": ["text"]}  # pages recalled as code: web
