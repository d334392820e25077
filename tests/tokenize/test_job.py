"""jobs/tokenization.py end to end on Spark: shards, rejects, manifest, rerun, and `corpus tokens inspect`."""

import glob
import io
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs import tokenization as job
from pipeline.io import manifest
from pipeline.tokenize import inspect
from pipeline.tokenize.encode import decode_document
from pipeline.tokenize.mmidx import TokenShard, shard_prefixes
from pipeline.tokenize.tokenizer import load_tokenizer

pytestmark = pytest.mark.spark

SAMPLES = [
    {
        "id": f"s{i}",
        "source": "github",
        "repo_name": "o/r",
        "path": f"m{i}.py",
        "url": None,
        "language": "Python",
        "content": f"# m{i}.py\ndef f{i}(x):\n    return x * {i}\n",
        "size_bytes": 30,
    }
    for i in range(30)
] + [
    {
        "id": "s-empty",
        "source": "github",
        "repo_name": "o/r",
        "path": "e.py",
        "url": None,
        "language": "Python",
        "content": "",
        "size_bytes": 0,
    }
]
PAGES = [
    {
        "id": f"p{i}",
        "source": "commoncrawl",
        "repo_name": None,
        "path": None,
        "url": f"https://x.org/{i}",
        "language": None,
        "content": f"Wie sortiere ich eine Liste? 列表排序 {i}",
        "size_bytes": 40,
        "domain": "x.org",
        "nl_language": "de",
    }
    for i in range(10)
]


def make_dataset(folder, rows):
    os.makedirs(folder)
    pq.write_table(pa.Table.from_pylist(rows), os.path.join(folder, "part-00000.parquet"))
    manifest.write_manifest(str(folder), "test", "fp", [], {})
    return str(folder)


@pytest.fixture(scope="module")
def tokens(tmp_path_factory, spark):
    base = tmp_path_factory.mktemp("job")
    samples = make_dataset(base / "samples", SAMPLES)
    pages = make_dataset(base / "pages", PAGES)
    output = str(base / "tokens")
    args = ["--input", samples, pages, "--output", output, "--shard-tokens", "200", "--fim-spm-rate", "0.5"]
    assert job.main(args, spark=spark) == 0
    return {"output": output, "args": args, "samples": samples, "pages": pages}


def test_every_document_written_once_or_rejected(tokens):
    output = tokens["output"]
    written = json.load(open(os.path.join(output, "_manifest.json")))
    assert written["documents"] == 40 and written["output"]["rows"] == 40
    assert written["input_rows"] == 41 and written["rejects"]["rows"] == 1
    assert written["rejects"]["by_reason"] == {"empty_content": 1}
    rejected = pq.read_table(os.path.join(output, "_rejects")).to_pylist()
    assert [(r["id"], r["reason"]) for r in rejected] == [("s-empty", "empty_content")]

    shards = [TokenShard(p) for p in shard_prefixes(output)]
    assert len(shards) == written["output"]["shards"] > 1
    tokenizer = load_tokenizer()
    texts = sorted(decode_document(s[i], tokenizer)[1] for s in shards for i in range(len(s)))
    assert texts == sorted(r["content"] for r in SAMPLES + PAGES if r["content"])
    assert sum(s.tokens for s in shards) == written["tokens"]
    assert not [n for n in os.listdir(output) if ".tmp-" in n]


def test_manifest_records_tokenizer_fim_and_languages(tokens):
    written = json.load(open(os.path.join(tokens["output"], "_manifest.json")))
    tokenizer = written["tokenizer"]
    assert tokenizer["name"] == "deepseek" and len(tokenizer["sha256"]) == 64
    assert tokenizer["eos_id"] == load_tokenizer().special.eos_id and tokenizer["dtype"] == "int32"
    assert written["fim"]["rate"] == 0.5 and written["fim"]["seed"] == 42 and written["fim"]["spm_rate"] == 0.5
    assert 5 < written["fim"]["documents"] < 35
    assert set(written["tokens_by_language"]) == {"Python", "unknown"}
    assert sum(written["tokens_by_language"].values()) == written["tokens"]
    assert written["tokens_by_source"].keys() == {"github", "commoncrawl"}
    assert sum(s["tokens"] for s in written["shards"]) == written["tokens"]
    assert [s["name"] for s in written["shards"]] == [os.path.basename(p) for p in shard_prefixes(tokens["output"])]
    assert written["inputs"] == [tokens["samples"], tokens["pages"]]


def test_rerun_with_same_settings_is_a_no_op(tokens, spark, capsys):
    before = {n: os.path.getmtime(os.path.join(tokens["output"], n)) for n in os.listdir(tokens["output"])}
    assert job.main(tokens["args"], spark=spark) == 0
    assert "already complete" in capsys.readouterr().out
    assert before == {n: os.path.getmtime(os.path.join(tokens["output"], n)) for n in os.listdir(tokens["output"])}


def shard_bytes(folder):
    return {n: open(os.path.join(folder, n), "rb").read() for n in os.listdir(folder) if n.endswith((".bin", ".idx"))}


def test_incomplete_output_is_redone_identically(tokens, spark):
    output = tokens["output"]
    first = shard_bytes(output)
    os.remove(os.path.join(output, "_manifest.json"))  # as if the run had crashed before committing
    with open(os.path.join(output, "part-00000-0000.bin"), "ab") as handle:
        handle.write(b"garbage")
    assert job.main(tokens["args"], spark=spark) == 0
    assert shard_bytes(output) == first and first
    assert os.path.exists(os.path.join(output, "_manifest.json"))


def test_bad_settings_are_usage_errors(tokens, spark, tmp_path, capsys):
    args = ["--input", tokens["samples"], "--output", str(tmp_path / "x"), "--fim-rate", "1.5"]
    assert job.main(args, spark=spark) == 2
    assert "--fim-rate" in capsys.readouterr().err


def test_inspect_prints_counts_and_decoded_documents(tokens):
    out = io.StringIO()
    counts = inspect.inspect(tokens["output"], documents=2, out=out)
    text = out.getvalue()
    assert counts["documents"] == 40 and counts["shards"] > 1
    assert "40 documents" in text and "Python" in text
    assert text.count("--- part-") == 2
    assert inspect.main(["inspect", tokens["output"], "--documents", "1"]) == 0


def test_partitions_flag_gives_layout_independent_shards(tokens, spark, tmp_path):
    output = str(tmp_path / "by-id")
    assert (
        job.main(["--input", tokens["samples"], tokens["pages"], "--output", output, "--partitions", "2"], spark=spark)
        == 0
    )
    names = [os.path.basename(p) for p in shard_prefixes(output)]
    assert names == ["part-00000-0000", "part-00001-0000"]
    tokenizer = load_tokenizer()
    ids_order = []
    for prefix in shard_prefixes(output):
        shard = TokenShard(prefix)
        texts = [decode_document(shard[i], tokenizer)[1] for i in range(len(shard))]
        ids_order.append([next(r["id"] for r in SAMPLES + PAGES if r["content"] == t) for t in texts])
    assert all(order == sorted(order) for order in ids_order)  # sorted by id inside each partition
    assert sorted(i for order in ids_order for i in order) == sorted(r["id"] for r in SAMPLES + PAGES if r["content"])


def test_parquet_format_holds_the_same_documents_and_loads_in_hf_datasets(tokens, spark, tmp_path):
    from datasets import load_dataset

    output = str(tmp_path / "parquet_tokens")
    args = [
        *tokens["args"][: tokens["args"].index("--output")],
        "--output",
        output,
        *tokens["args"][5:],
        "--format",
        "parquet",
    ]
    assert job.main(args, spark=spark) == 0
    written = json.load(open(os.path.join(output, "_manifest.json")))
    assert written["output"]["format"] == "parquet-input-ids" and written["documents"] == 40
    files = sorted(glob.glob(os.path.join(output, "*.tokens.parquet")))
    assert len(files) == written["output"]["shards"] and not glob.glob(os.path.join(output, "*.bin"))
    loaded = load_dataset("parquet", data_files=files, split="train")
    megatron = sorted(
        tuple(s[i].tolist()) for s in map(TokenShard, shard_prefixes(tokens["output"])) for i in range(len(s))
    )
    assert sorted(tuple(ids) for ids in loaded["input_ids"]) == megatron  # same documents, same FIM draws
    assert sum(len(ids) for ids in loaded["input_ids"]) == written["tokens"]


def test_sidecars_carry_category_and_shares_through_the_job(spark, tmp_path):
    """A repository sample's text_bytes / notebook_bytes (int64 in its input; the job keeps them as
    strings) become its shares; files and pages get their whole-document categories."""
    sample = "# a.py\nx = 1\n" * 8  # 104 bytes
    samples = make_dataset(
        tmp_path / "samples",
        [
            {
                "id": "sample",
                "source": "github",
                "repo_name": "o/r",
                "path": None,
                "language": "Python",
                "content": sample,
                "text_bytes": 26,
                "notebook_bytes": 13,
            }
        ],
    )
    files = make_dataset(
        tmp_path / "files",
        [
            {
                "id": "md",
                "source": "github",
                "repo_name": "o/r",
                "path": "README.md",
                "language": "Markdown",
                "content": "# r\n\nwords\n",
                "source_format": None,
            },
            {
                "id": "nb",
                "source": "github",
                "repo_name": "o/r",
                "path": "a.ipynb",
                "language": "Python",
                "content": "<jupyter_start><jupyter_code>x = 1",
                "source_format": "notebook:structured",
            },
        ],
    )
    output = str(tmp_path / "tokens")
    args = ["--input", samples, files, tokens_pages(tmp_path), "--output", output, "--fim-rate", "0"]
    assert job.main(args, spark=spark) == 0
    rows = [row for p in shard_prefixes(output) for row in pq.read_table(p + ".docs.parquet").to_pylist()]
    got = sorted((r["category"], r["source"], r["text_share"], r["notebook_share"]) for r in rows)
    assert got == [
        ("code", "github", 0.25, 0.125),
        ("notebook", "github", 0.0, 1.0),
        ("text", "github", 1.0, 0.0),
        ("web", "commoncrawl", 0.0, 0.0),
    ]
    written = json.load(open(os.path.join(output, "_manifest.json")))
    assert written["document_metadata"]["columns"][-3:] == ["category", "text_share", "notebook_share"]
    assert set(written["tokens_by_category"]) == {"code", "text", "notebook", "web"}


def tokens_pages(tmp_path):
    return make_dataset(tmp_path / "pages", PAGES[:1])
