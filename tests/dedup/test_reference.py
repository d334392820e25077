"""The single-process reference dedup: exact, near, verification, chains, index, keep policy."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # the shared test-data module next to this file
from dedup_testdata import random_code, render, replace_segments, row  # noqa: E402

from pipeline.dedup.candidates import bucket_edges
from pipeline.dedup.exact import content_key
from pipeline.dedup.params import DedupParams
from pipeline.dedup.policy import best, parse_policy
from pipeline.dedup.reference import kept_ids, reference_dedup
from pipeline.dedup.shingles import texts_to_shingle_sets
from pipeline.dedup.verify import jaccard


def near_copies(seed: int, count: int) -> list[str]:
    """`count` documents that differ from the first in one 40-token segment each (J ~ 0.8)."""
    base = random_code(seed)
    return [render(base)] + [render(replace_segments(base, [i], seed * 100 + i)) for i in range(1, count)]


def test_exact_key_ignores_line_endings_and_trailing_whitespace():
    assert content_key("a = 1  \r\nb = 2\t\r\n\r\n") == content_key("a = 1\nb = 2")
    assert content_key("a = 1\n b") != content_key("a = 1\nb")


def test_keep_policy_orders_nulls_last_and_breaks_ties_by_id():
    keys = parse_policy("commit_date:desc,size_bytes:desc", ["id", "commit_date", "size_bytes"])
    rows = [
        {"id": "b", "commit_date": None, "size_bytes": 9},
        {"id": "c", "commit_date": "2024-01-01", "size_bytes": 1},
        {"id": "a", "commit_date": "2024-01-01", "size_bytes": 1},
    ]
    assert best(rows, keys)["id"] == "a"
    assert [k.column for k in parse_policy("stars:desc,size_bytes:desc", ["id", "size_bytes"])] == ["size_bytes", "id"]


def test_planted_cluster_of_three_collapses_to_the_most_recent_commit():
    docs = near_copies(1, 3)
    rows = [row(f"copy{i}.py", text, commit_date=f"2024-0{i + 1}-01") for i, text in enumerate(docs)]
    rows += [row(f"other{i}.py", render(random_code(50 + i))) for i in range(3)]
    result = reference_dedup(rows, DedupParams())
    newest = rows[2]["id"]
    assert kept_ids(result) == {newest} | {r["id"] for r in rows[3:]}
    for r in rows[:2]:
        assert result["decisions"][r["id"]] == (f"near_duplicate_of:{newest}", min(x["id"] for x in rows[:3]))
    assert len(result["decisions"]) == len(rows)  # rows in = kept + rejected


def chain_rows():
    """A~B and B~C above 0.7, A~C below: B differs from A in segment 0, C from B in segment 1."""
    a = random_code(7)
    b = replace_segments(a, [0], 70)
    c = replace_segments(b, [1], 71)
    return [row("a.py", render(a)), row("b.py", render(b)), row("c.py", render(c))]


def test_chain_with_verify_is_one_cluster_because_each_link_is_a_real_near_duplicate():
    rows = chain_rows()
    sets = texts_to_shingle_sets([r["content"] for r in rows], 5)
    assert jaccard(sets.of(0), sets.of(1)) >= 0.7 and jaccard(sets.of(1), sets.of(2)) >= 0.7
    assert jaccard(sets.of(0), sets.of(2)) < 0.7
    # 64 bands x 4 rows: all three pairs become candidates; verify drops A-C, keeps A-B and B-C.
    result = reference_dedup(rows, DedupParams(bands=64, rows=4))
    assert result["counts"]["candidate_edges"] == 3 and result["counts"]["verified_edges"] == 2
    assert len(kept_ids(result)) == 1
    assert len({cluster for _, cluster in result["decisions"].values()}) == 1


def test_verify_rejects_lsh_false_positives_that_no_verify_merges():
    base = random_code(9)
    far = replace_segments(base, [0, 1, 2, 3, 4], 90)  # J ~ 0.3
    rows = [row("x.py", render(base)), row("y.py", render(far))]
    loose = dict(bands=128, rows=2)  # makes the pair an LSH candidate
    assert len(kept_ids(reference_dedup(rows, DedupParams(verify=True, **loose)))) == 2
    assert len(kept_ids(reference_dedup(rows, DedupParams(verify=False, **loose)))) == 1


def test_rerun_keeps_the_same_rows_and_every_row_is_decided():
    rows = [row(f"f{i}.py", t) for i, t in enumerate(near_copies(3, 4) + near_copies(4, 2))]
    rows += [row("dup.py", rows[0]["content"] + "  \n"), row("none.py", None), row("e1.py", ""), row("e2.py", "")]
    first, second = reference_dedup(rows, DedupParams()), reference_dedup(list(reversed(rows)), DedupParams())
    assert first["decisions"] == second["decisions"]
    reasons = [reason for reason, _ in first["decisions"].values()]
    assert len(reasons) == len(rows)
    assert sorted(r.split(":")[0] for r in reasons if r) == (
        ["exact_duplicate_of"] * 2 + ["missing_content"] + ["near_duplicate_of"] * 4
    )


def test_against_index_removes_rows_already_indexed():
    old = [row(f"old{i}.py", render(random_code(20 + i))) for i in range(3)]
    index = reference_dedup(old, DedupParams())["index"]
    assert {e["id"] for e in index} == {r["id"] for r in old}
    new = [
        row("copy_of_old0.py", render(replace_segments(random_code(20), [4], 5))),
        row("fresh.py", render(random_code(40))),
    ]
    result = reference_dedup(new, DedupParams(), index_rows=index)
    assert result["decisions"][new[0]["id"]] == (f"near_duplicate_in_index:{old[0]['id']}", old[0]["id"])
    assert result["decisions"][new[1]["id"]] == (None, None)


def test_giant_buckets_cap_the_star_and_keep_the_chain():
    ids = [f"{i:03d}" for i in range(7)]
    edges = set(bucket_edges(ids, max_bucket=3))
    assert {b for a, b in edges if a == "000"} == {"001", "002"}  # star capped at 3 members
    assert all((ids[i - 1], ids[i]) in edges for i in range(1, 7))  # chain over all members
    assert all(a < b for a, b in edges) and len(edges) < 2 * len(ids)


def test_vectorized_bucket_edges_follow_the_same_rule():
    import random

    import pyarrow as pa

    from pipeline.dedup.candidates import bucket_edge_batches

    rng = random.Random(3)
    rows = [(band, rng.randrange(6), f"{rng.randrange(10_000):05d}") for band in range(3) for _ in range(60)]
    rows = list({(band, value, i): None for band, value, i in rows})  # an id once per band
    rng.shuffle(rows)
    schema = pa.schema([("band", pa.int32()), ("band_hash", pa.int64()), ("id", pa.string())])
    table = pa.Table.from_pylist([dict(zip(schema.names, r, strict=True)) for r in rows], schema=schema)
    found = set()
    for batch in bucket_edge_batches(iter(table.to_batches(max_chunksize=17)), max_bucket=4):
        found.update(zip(batch.column("a").to_pylist(), batch.column("b").to_pylist(), strict=True))
    buckets = {}
    for band, value, identifier in rows:
        buckets.setdefault((band, value), []).append(identifier)
    expected = {e for ids in buckets.values() for e in bucket_edges(sorted(ids), max_bucket=4)}
    assert found == expected and len(expected) > 100
