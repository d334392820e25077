"""The Spark dedup job: same decisions as the single-process reference, rerun, --against index."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # the shared test-data module next to this file
from dedup_testdata import random_code, read_output, read_rows, render, replace_segments, row, write_input  # noqa: E402

from jobs.dedup import main  # noqa: E402
from pipeline.dedup.params import DedupParams  # noqa: E402
from pipeline.dedup.reference import reference_dedup  # noqa: E402

pytestmark = pytest.mark.spark


def mixed_rows() -> list[dict]:
    base = random_code(1)
    cluster = [render(base)] + [render(replace_segments(base, [i], 10 + i)) for i in (2, 5)]
    a = random_code(7)
    chain = [a, replace_segments(a, [0], 70), replace_segments(replace_segments(a, [0], 70), [1], 71)]
    rows = [row(f"cluster{i}.py", text, commit_date=f"2024-0{i + 1}-15") for i, text in enumerate(cluster)]
    rows += [row(f"chain{i}.py", render(doc)) for i, doc in enumerate(chain)]
    rows += [row(f"unique{i}.py", render(random_code(100 + i))) for i in range(6)]
    rows += [
        row("crlf_copy.py", rows[-1]["content"].replace("\n", "\r\n")),
        row("null.py", None),
        row("empty1.py", ""),
        row("empty2.py", "\n"),
        row("punct.py", "{}();"),
    ]
    return rows


def decisions_of(output) -> dict:
    kept, rejects = read_output(output)
    return {r["id"]: (r.get("reason"), r["cluster_id"]) for r in kept + rejects}


@pytest.fixture(scope="module")
def first_run(spark, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dedup")
    rows = mixed_rows()
    source = write_input(tmp / "in", rows)
    assert main(["--input", source, "--output", str(tmp / "out"), "--index-out", str(tmp / "index")], spark=spark) == 0
    return tmp, rows


def test_spark_job_makes_the_reference_decisions(first_run):
    tmp, rows = first_run
    expected = reference_dedup(rows, DedupParams())
    assert decisions_of(tmp / "out") == expected["decisions"]
    kept, rejects = read_output(tmp / "out")
    assert len(kept) + len(rejects) == len(rows)
    by_path = {r["path"]: r for r in kept + rejects}
    newest = by_path["cluster2.py"]["id"]
    assert by_path["cluster2.py"].get("reason") is None
    assert {by_path[f"cluster{i}.py"]["reason"] for i in (0, 1)} == {f"near_duplicate_of:{newest}"}
    # The CRLF copy has more bytes, so the size_bytes:desc policy keeps it over the LF original.
    assert by_path["unique5.py"]["reason"] == f"exact_duplicate_of:{by_path['crlf_copy.py']['id']}"
    assert by_path["null.py"]["reason"] == "missing_content"
    manifest = json.loads((tmp / "out" / "_manifest.json").read_text())
    assert manifest["removed"]["near_duplicate_of"] == expected["counts"]["near_duplicate_of"]
    index_ids = {r["id"] for r in read_rows(tmp / "index")}
    assert index_ids == {e["id"] for e in expected["index"]}


def test_components_on_spark_make_the_same_decisions(spark, first_run, tmp_path, monkeypatch):
    """Above LOCAL_COMPONENT_EDGES the components are found by large-star/small-star on Spark."""
    from pyspark.sql import functions as F

    import pipeline.dedup.spark
    import pipeline.spark

    tmp, rows = first_run
    monkeypatch.setattr(pipeline.dedup.spark, "LOCAL_COMPONENT_EDGES", 0)
    monkeypatch.setattr(pipeline.spark, "BROADCAST_ROWS", 0)  # and every join a shuffle join
    calls = {"components": 0, "broadcasts": 0}

    def counted(name, fn):
        def call(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)

        return call

    components = counted("components", pipeline.dedup.spark.connected_components)
    monkeypatch.setattr(pipeline.dedup.spark, "connected_components", components)
    monkeypatch.setattr(F, "broadcast", counted("broadcasts", F.broadcast))
    assert main(["--input", str(tmp / "in"), "--output", str(tmp_path / "out")], spark=spark) == 0
    assert calls == {"components": 1, "broadcasts": 0}  # both patches reached the job
    manifest = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    assert manifest["verified_edges"] > 0 and manifest["cc_rounds"] >= 0
    assert decisions_of(tmp_path / "out") == reference_dedup(rows, DedupParams())["decisions"]
    assert set(manifest["phases"]) >= {
        "read_and_signatures",
        "exact",
        "bands_and_candidates",
        "verification",
        "components",
        "decisions",
        "compute_and_write",
        "write_rejects",
    }


def test_rerun_at_repo_level_keeps_the_same_rows(spark, first_run):
    tmp, _ = first_run
    assert main(["--input", str(tmp / "in"), "--output", str(tmp / "again"), "--level", "repo"], spark=spark) == 0
    assert {r["id"] for r in read_output(tmp / "again")[0]} == {r["id"] for r in read_output(tmp / "out")[0]}


def test_against_removes_rows_already_in_the_index(spark, first_run):
    tmp, rows = first_run
    unique0 = next(r for r in rows if r["path"] == "unique0.py")
    new = [
        row("late_copy.py", render(replace_segments(random_code(100), [3], 555))),
        row("fresh.py", render(random_code(999))),
    ]
    source = write_input(tmp / "new", new)
    assert (
        main(["--input", source, "--output", str(tmp / "new_out"), "--against", str(tmp / "index")], spark=spark) == 0
    )
    decisions = decisions_of(tmp / "new_out")
    assert decisions[new[0]["id"]] == (f"near_duplicate_in_index:{unique0['id']}", unique0["id"])
    assert decisions[new[1]["id"]] == (None, None)
    index = [
        {"id": r["id"], "signature": r["signature"], "band_hashes": r["band_hashes"]} for r in read_rows(tmp / "index")
    ]
    assert decisions == reference_dedup(new, DedupParams(), index_rows=index)["decisions"]


def test_connected_components_match_union_find(spark):
    from pipeline.dedup.reference import UnionFind
    from pipeline.dedup.spark import connected_components

    ids = [f"n{i:02d}" for i in range(30)]
    pairs = [(ids[i], ids[i + 1]) for i in range(9, 0, -1)]  # a path
    pairs += [(ids[12], ids[k]) for k in (13, 14, 15)] + [(ids[11], ids[15])]  # star + extra link
    pairs += [(ids[20], ids[22]), (ids[22], ids[24]), (ids[21], ids[24]), (ids[20], ids[21])]  # a cycle
    edges = spark.createDataFrame([(min(a, b), max(a, b)) for a, b in pairs], "a string, b string")
    components, _ = connected_components(edges)
    found = {r["id"]: r["cluster"] for r in components.collect()}
    union_find = UnionFind()
    for a, b in pairs:
        union_find.union(a, b)
    assert found == {node: union_find.find(node) for node in union_find.parent}
