"""A `PageStore` over Arrow batches held in memory: the recall loop without Spark (tests, bench,
small inputs). The Spark store in pipeline.recall.spark_store runs the same batch functions on executors."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pipeline.recall import TARGETS, batches
from pipeline.recall.seeds import RuleIndex, SeedRule
from pipeline.recall.thresholds import histogram


class MemoryPageStore:
    def __init__(self, pages: pa.Table, tokenizer: str, max_chars: int, batch_rows: int = 512):
        self.state = [
            batches.with_empty_state(batches.prepare(b, tokenizer, max_chars))
            for b in pages.to_batches(max_chunksize=batch_rows)
        ]
        self._rules: list[SeedRule] | None = None

    def table(self) -> pa.Table:
        return pa.Table.from_batches(self.state, schema=batches.STATE_SCHEMA)

    def _with_rules(self, rules: list[SeedRule]) -> pa.Table:
        if rules != self._rules:
            self.state = [batches.with_seed_labels(b, rules) for b in self.state]
            self._rules = list(rules)
        return self.table()

    def seed_counts(self, rules):
        labels = self._with_rules(rules).column("seed_label").to_pylist()
        return {t: labels.count(t) for t in TARGETS}

    def positives(self, rules, per_target, seed):
        table = self._with_rules(rules)
        labels = np.array(table.column("seed_label").to_pylist(), dtype=object)
        lines = table.column("line").to_pylist()
        rng = np.random.default_rng(seed)
        chosen = []
        for target in TARGETS:
            rows = np.nonzero(labels == target)[0]
            if len(rows) > per_target:
                rows = np.sort(rng.choice(rows, per_target, replace=False))
            chosen += [(target, lines[i]) for i in rows]
        return chosen

    def negatives(self, rules, count, seed, exclude_collected, exclude_seed_sites=False):
        """(site, line) of up to `count` random pages under no seed rule (see the PageStore protocol)."""
        table = self._with_rules(rules)
        eligible = np.array([label is None for label in table.column("seed_label").to_pylist()], dtype=bool)
        if exclude_collected:
            eligible &= np.array([c is None for c in table.column("collected").to_pylist()], dtype=bool)
        if exclude_seed_sites:
            index = RuleIndex(rules)
            eligible &= np.array([not index.covers_site(s) for s in table.column("site").to_pylist()], dtype=bool)
        rows = np.nonzero(eligible)[0]
        rng = np.random.default_rng(seed)
        if len(rows) > count:
            rows = np.sort(rng.choice(rows, count, replace=False))
        lines, sites = table.column("line").to_pylist(), table.column("site").to_pylist()
        return [(sites[i], lines[i]) for i in rows]

    def score(self, models):
        self.state = [batches.rescore(b, models) for b in self.state]

    def histograms(self, bins):
        table = self.table()
        return {t: histogram(table.column(f"p_{t}").to_numpy(), bins) for t in TARGETS}

    def decide(self, iteration, limits, decision, rules, firm):
        self.state = [batches.apply_iteration(b, iteration, limits, decision, rules) for b in self.state]
        self._rules = list(rules)
        table = self.table()
        labels = table.column("collected").to_pylist()
        return {t: labels.count(t) for t in TARGETS}, batches.domain_table(table, firm)

    def keep_backed(self, iteration, backed):
        self.state = [batches.keep_backed(b, iteration, backed) for b in self.state]
        labels = self.table().column("collected").to_pylist()
        return {t: labels.count(t) for t in TARGETS}

    def recalled(self, rules: list[SeedRule]) -> pa.Table:
        """id, recall_label, recall_score, recall_iteration for every page (label null: not recalled)."""
        self._with_rules(rules)
        return pa.Table.from_batches([batches.recall_columns(b) for b in self.state])
