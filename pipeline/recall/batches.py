"""The per-row steps of the recall loop as functions over Arrow record batches (no Spark here).

prepare: locate each row (site, path) and turn its text into a fastText token line, once.
score:   probabilities per target from the iteration's model(s).
decide:  which target (if any) each page is collected as, and since which iteration it is recalled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.recall import ANY_TARGET, OTHER, TARGETS
from pipeline.recall.model import predict
from pipeline.recall.seeds import RuleIndex, SeedRule, first_segment, site_and_path
from pipeline.recall.tokens import fasttext_lines

PREPARED_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("site", pa.string()),
        pa.field("prefix", pa.string()),
        pa.field("path", pa.string()),
        pa.field("line", pa.string()),
    ]
)
SCORE_FIELDS = [pa.field(f"p_{t}", pa.float64()) for t in TARGETS]
STATE_FIELDS = [
    pa.field("seed_label", pa.string()),  # target of the seed rule the page falls under, if any
    pa.field("seed_iteration", pa.int32()),
    pa.field("collected", pa.string()),  # target the current model collected the page as, if any
    pa.field("first_iteration", pa.int32()),  # first iteration it was seeded or collected
]
SCORED_SCHEMA = pa.schema(list(PREPARED_SCHEMA) + SCORE_FIELDS)
STATE_SCHEMA = pa.schema(list(SCORED_SCHEMA) + STATE_FIELDS)


@dataclass(frozen=True)
class ModelRef:
    """A trained model as bytes and the labels it predicts: (code, math, other) for the competing
    model, (code, other) or (math, other) for a per-target binary model, (other, target) and
    (code, math) for the two models of the two-stage shape."""

    data: bytes
    labels: tuple[str, ...]


def _column(batch: pa.RecordBatch, name: str) -> list:
    index = batch.schema.get_field_index(name)
    return batch.column(index).to_pylist() if index >= 0 else [None] * batch.num_rows


def prepare(batch: pa.RecordBatch, tokenizer: str, max_chars: int) -> pa.RecordBatch:
    urls, domains = _column(batch, "url"), _column(batch, "domain")
    repos, file_paths = _column(batch, "repo_name"), _column(batch, "path")
    located = [site_and_path(u, d, r, p) for u, d, r, p in zip(urls, domains, repos, file_paths, strict=False)]
    sites = [site for site, _ in located]
    paths = [path for _, path in located]
    return pa.RecordBatch.from_arrays(
        [
            batch.column(batch.schema.get_field_index("id")),
            pa.array(sites, pa.string()),
            pa.array([first_segment(p) for p in paths], pa.string()),
            pa.array(paths, pa.string()),
            pa.array(fasttext_lines(_column(batch, "content"), tokenizer, max_chars), pa.string()),
        ],
        schema=PREPARED_SCHEMA,
    )


def score_lines(lines: list[str], models: list[ModelRef]) -> np.ndarray:
    """(rows, targets) probabilities. A model of targets and `other` fills its targets' columns; a
    two-stage pair, target against `other` and then code against math, fills each target's column
    with P(target) x P(that target | target), so the columns and `other` still add up to 1."""
    probs = np.zeros((len(lines), len(TARGETS)))
    gate = split = None
    for model in models:
        predicted = predict(model.data, lines, model.labels)
        if ANY_TARGET in model.labels:
            gate = predicted[:, model.labels.index(ANY_TARGET)]
        elif OTHER not in model.labels:
            split = {label: predicted[:, i] for i, label in enumerate(model.labels)}
        else:
            for column, target in enumerate(TARGETS):
                if target in model.labels:
                    probs[:, column] = predicted[:, model.labels.index(target)]
    if gate is not None:
        if split is None:
            raise ValueError("a two-stage gate model needs its code-against-math model")
        for column, target in enumerate(TARGETS):
            probs[:, column] = gate * split[target]
    return probs


def score(batch: pa.RecordBatch, models: list[ModelRef]) -> pa.RecordBatch:
    probs = score_lines(_column(batch, "line"), models)
    prepared = batch.select(PREPARED_SCHEMA.names)
    columns = list(prepared.columns) + [pa.array(probs[:, i]) for i in range(len(TARGETS))]
    return pa.RecordBatch.from_arrays(columns, schema=SCORED_SCHEMA)


def rescore(batch: pa.RecordBatch, models: list[ModelRef]) -> pa.RecordBatch:
    """A state batch with its scores replaced by the new model's (decisions so far kept)."""
    scored = score(batch, models)
    columns = list(scored.columns) + [batch.column(batch.schema.get_field_index(f.name)) for f in STATE_FIELDS]
    return pa.RecordBatch.from_arrays(columns, schema=STATE_SCHEMA)


def decide_labels(probs: np.ndarray, thresholds: dict[str, float], decision: str) -> np.ndarray:
    """The target each page is collected as (None if none), by the loop's `decision`.

    `three_class`: the most probable of code / math / other, if that is a target scoring at least
    its threshold. `two_stage` (the columns are P(target) x P(code or math | target)): the more
    probable target, if the gate calls the page a target (the columns add up to more than 1/2; a
    CAS manual whose pages read partly like code is still a target site) and it scores at least its
    threshold. `independent` (the paper): every target over its threshold collects the page; the
    higher score names it.
    """
    limits = np.array([thresholds[t] for t in TARGETS])
    above = probs >= limits
    best = np.argmax(probs, axis=1)
    rows = np.arange(len(best))
    if decision == "three_class":
        winner_ok = above[rows, best] & (probs[rows, best] > 1.0 - probs.sum(axis=1))
    elif decision == "two_stage":
        winner_ok = above[rows, best] & (probs.sum(axis=1) > 0.5)
    elif decision == "independent":
        masked = np.where(above, probs, -1.0)
        best = np.argmax(masked, axis=1)
        winner_ok = above.any(axis=1)
    else:
        raise ValueError(f"unknown decision {decision!r}")
    labels = np.array(TARGETS, dtype=object)[best]
    labels[~winner_ok] = None
    return labels


def apply_iteration(
    batch: pa.RecordBatch,
    iteration: int,
    thresholds: dict[str, float],
    decision: str,
    rules: list[SeedRule],
) -> pa.RecordBatch:
    """Decide what this iteration collected and keep the first iteration each page was recalled in."""
    probs = np.column_stack([_column(batch, f"p_{t}") for t in TARGETS]).astype(np.float64)
    collected = decide_labels(probs, thresholds, decision)
    index = RuleIndex(rules)
    matched = [index.match(s, p) for s, p in zip(_column(batch, "site"), _column(batch, "path"), strict=False)]
    seed_label = [m.target if m else None for m in matched]
    seed_iteration = [m.iteration if m else None for m in matched]
    earlier = _column(batch, "first_iteration")
    first = []
    for before, seeded_at, label in zip(earlier, seed_iteration, collected, strict=False):
        candidates = [i for i in (before, seeded_at, iteration if label is not None else None) if i is not None]
        first.append(min(candidates) if candidates else None)
    scored = batch.select(SCORED_SCHEMA.names)
    return pa.RecordBatch.from_arrays(
        list(scored.columns)
        + [
            pa.array(seed_label, pa.string()),
            pa.array(seed_iteration, pa.int32()),
            pa.array(list(collected), pa.string()),
            pa.array(first, pa.int32()),
        ],
        schema=STATE_SCHEMA,
    )


def keep_backed(batch: pa.RecordBatch, iteration: int, backed: dict[str, set[str]]) -> pa.RecordBatch:
    """Undo this iteration's collection of a page as a target its site does not back (`backed[target]`:
    the sites whose own pages make the case, see domain_rule.backed_sites). A page whose first recall
    was this collection is no longer recalled (an earlier seed or collection would be older)."""
    collected = _column(batch, "collected")
    sites = _column(batch, "site")
    keep = [label is None or site in backed.get(label, ()) for label, site in zip(collected, sites, strict=True)]
    if all(keep):
        return batch
    first = _column(batch, "first_iteration")
    new_collected = [label if ok else None for label, ok in zip(collected, keep, strict=True)]
    new_first = [None if not ok and f == iteration else f for f, ok in zip(first, keep, strict=True)]
    batch = batch.set_column(
        batch.schema.get_field_index("collected"), "collected", pa.array(new_collected, pa.string())
    )
    return batch.set_column(
        batch.schema.get_field_index("first_iteration"), "first_iteration", pa.array(new_first, pa.int32())
    )


def with_empty_state(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A prepared batch with zero scores and no decisions yet (before the first iteration)."""
    n = batch.num_rows
    columns = list(batch.select(PREPARED_SCHEMA.names).columns)
    columns += [pa.array(np.zeros(n)) for _ in TARGETS]
    columns += [
        pa.nulls(n, pa.string()),
        pa.nulls(n, pa.int32()),
        pa.nulls(n, pa.string()),
        pa.nulls(n, pa.int32()),
    ]
    return pa.RecordBatch.from_arrays(columns, schema=STATE_SCHEMA)


def with_seed_labels(batch: pa.RecordBatch, rules: list[SeedRule]) -> pa.RecordBatch:
    """Refresh `seed_label`/`seed_iteration` for a new rule set (keeps everything else)."""
    index = RuleIndex(rules)
    matched = [index.match(s, p) for s, p in zip(_column(batch, "site"), _column(batch, "path"), strict=False)]
    batch = batch.set_column(
        batch.schema.get_field_index("seed_label"),
        "seed_label",
        pa.array([m.target if m else None for m in matched], pa.string()),
    )
    return batch.set_column(
        batch.schema.get_field_index("seed_iteration"),
        "seed_iteration",
        pa.array([m.iteration if m else None for m in matched], pa.int32()),
    )


def recall_columns(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Final decision per page: collected by the last model, else its seed target; its score and the
    iteration it was first recalled in. Pages with no label are not recalled."""
    collected, seeded = _column(batch, "collected"), _column(batch, "seed_label")
    labels = [c if c is not None else s for c, s in zip(collected, seeded, strict=False)]
    probs = {t: np.asarray(_column(batch, f"p_{t}"), dtype=np.float64) for t in TARGETS}
    scores = [float(probs[label][i]) if label else None for i, label in enumerate(labels)]
    iterations = [
        min([i for i in (first, seeded_at) if i is not None], default=None) if label else None
        for first, seeded_at, label in zip(
            _column(batch, "first_iteration"), _column(batch, "seed_iteration"), labels, strict=False
        )
    ]
    return pa.RecordBatch.from_arrays(
        [
            batch.column(batch.schema.get_field_index("id")),
            pa.array(labels, pa.string()),
            pa.array(scores, pa.float64()),
            pa.array(iterations, pa.int32()),
        ],
        names=["id", "recall_label", "recall_score", "recall_iteration"],
    )


def domain_table(table: pa.Table, firm: dict[str, float] | None = None) -> list[dict]:
    """(site, prefix) -> pages, and pages collected per target with a probability >= `firm[target]`,
    for sites with any such page."""
    firm = firm or {t: 0.0 for t in TARGETS}
    collected = pc.fill_null(table.column("collected"), OTHER)
    flags = {
        t: pc.cast(pc.and_(pc.equal(collected, t), pc.greater_equal(table.column(f"p_{t}"), firm[t])), pa.int64())
        for t in TARGETS
    }
    narrow = pa.table({"site": table.column("site"), "prefix": table.column("prefix"), **flags})
    grouped = (
        narrow.group_by(["site", "prefix"]).aggregate([("site", "count")] + [(t, "sum") for t in TARGETS]).to_pylist()
    )
    active = {row["site"] for row in grouped if any(row[f"{t}_sum"] for t in TARGETS)}
    return [
        {
            "site": row["site"],
            "prefix": row["prefix"],
            "pages": row["site_count"],
            **{t: row[f"{t}_sum"] for t in TARGETS},
        }
        for row in grouped
        if row["site"] in active
    ]
