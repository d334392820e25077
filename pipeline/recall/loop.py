"""The recall loop, independent of where the pages live (a `PageStore`: in memory, or Spark).

Each iteration: train on the seeds (positives) and a random sample of the other pages (negatives,
minus pages suspected to be positives), score every page, set thresholds from the score
distribution, collect, apply the domain rule, and grow the seed rules.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from pipeline.recall import OTHER, TARGETS, thresholds
from pipeline.recall.batches import ModelRef, decide_labels, score_lines
from pipeline.recall.domain_rule import DomainRuleSettings, promote
from pipeline.recall.model import TrainSettings, train
from pipeline.recall.seeds import SeedRule
from pipeline.recall.tokens import DEFAULT_TOKENIZER
from pipeline.stage import setting


@dataclass(frozen=True)
class RecallSettings:
    """The recall stage's settings (flags, [recall] TOML keys, manifest); `for_run` applies `paper`."""

    seeds: str | None = setting(
        None, "TOML: [code]/[math] tables of domains, url_prefixes and repos (owner/name[/dir]); required"
    )
    iterations: int = setting(3, "rounds of train, score, collect, grow the seeds", minimum=1)
    keep_top: float | None = setting(
        None, "collect this fraction of top-scoring pages per target", minimum=0.0, maximum=1.0, exclusive="cut"
    )
    min_score: float | None = setting(
        None, "collect pages scoring at least this (default: Otsu split)", minimum=0.0, maximum=1.0, exclusive="cut"
    )
    negatives: int = setting(0, "negatives per iteration (0: as many as the positives of all targets)", minimum=0)
    max_positives: int = setting(500_000, "positives per target per iteration (the paper's 500K)", minimum=1)
    clean_negatives: bool = setting(True, "drop sampled negatives that a cross-fitted model calls positive")
    clean_min_score: float = setting(
        0.8, "... with at least this probability (a conservative cut)", minimum=0.0, maximum=1.0
    )
    competitive: bool = setting(True, "one model code/math/other (off: one binary model per target, as the paper)")
    balance_targets: bool = setting(True, "repeat the smaller target's positives so targets weigh the same")
    exclude_collected: bool = setting(True, "pages the previous model collected are never negatives")
    paper: bool = setting(False, "the literal DeepSeekMath loop (binary model per target, 0.5, plain 10% rule)")
    tokenizer: str = setting(DEFAULT_TOKENIZER, "`deepseek`, a tokenizer.json path, or `whitespace` for plain words")
    max_chars: int = setting(8000, "characters of each page fed to fastText", minimum=1)
    seed: int = setting(0, "seeds sampling and training", minimum=0)
    train: TrainSettings = field(default_factory=TrainSettings)
    domain: DomainRuleSettings = field(default_factory=DomainRuleSettings)

    @property
    def threshold(self) -> str:
        return "keep_top" if self.keep_top is not None else "min_score" if self.min_score is not None else "otsu"

    @property
    def threshold_value(self) -> float | None:
        return self.keep_top if self.keep_top is not None else self.min_score

    def for_run(self) -> RecallSettings:
        """The settings a run uses: the paper's preset when `paper`, training seeded by `seed`."""
        chosen = self
        if self.paper:
            common = ("iterations", "negatives", "max_positives", "tokenizer", "max_chars", "seed", "train")
            chosen = paper_settings(**{name: getattr(self, name) for name in common})
        return dataclasses.replace(chosen, train=chosen.train.replace(seed=chosen.seed))


def paper_settings(**changes) -> RecallSettings:
    """The loop as DeepSeekMath describes it: a binary model per target against random pages, a page
    collected above 0.5, the 10% domain rule per target independently."""
    base = dict(
        competitive=False,
        min_score=0.5,
        clean_negatives=False,
        exclude_collected=False,
        balance_targets=False,
        domain=DomainRuleSettings(dominance=0.0, prefix_share=0.0, min_pages=1, domain_min_score=0.0, confidence_z=0.0),
    )
    return RecallSettings(**{**base, **changes})


class PageStore(Protocol):
    """Where the prepared pages live. Implemented in memory (pipeline.recall.memory) and on Spark
    (pipeline.recall.spark_store)."""

    def seed_counts(self, rules: list[SeedRule]) -> dict[str, int]: ...

    def positives(self, rules: list[SeedRule], per_target: int, seed: int) -> list[tuple[str, str]]: ...

    def negatives(self, rules: list[SeedRule], count: int, seed: int, exclude_collected: bool) -> list[str]: ...

    def score(self, models: list[ModelRef]) -> None: ...

    def histograms(self, bins: int) -> dict[str, np.ndarray]: ...

    def decide(
        self,
        iteration: int,
        limits: dict[str, float],
        competitive: bool,
        rules: list[SeedRule],
        firm: dict[str, float],
    ) -> tuple[dict[str, int], list[dict]]: ...


def run_loop(
    store: PageStore, seed_rules: list[SeedRule], settings: RecallSettings, on_model=None, on_iteration=None
) -> dict:
    """Run all iterations; returns the report. The final decisions stay in the store.

    `on_model(iteration, models)` receives each iteration's trained models (to save them);
    `on_iteration(iteration, rules)` the seed rules grown by that iteration (to measure it).
    """
    rules = sorted(set(seed_rules))
    report = {"settings": _jsonable(settings), "seed_rules": [r.as_dict() for r in rules], "iterations": []}
    for iteration in range(1, settings.iterations + 1):
        seeds = store.seed_counts(rules)
        positives = store.positives(rules, settings.max_positives, settings.seed + iteration)
        wanted = settings.negatives or len(positives)
        negatives = store.negatives(
            rules, wanted, settings.seed + 1000 + iteration, settings.exclude_collected and iteration > 1
        )
        dropped = 0
        if settings.clean_negatives:
            negatives, dropped = clean_negatives(positives, negatives, settings)
        models, model_info = train_models(positives, negatives, settings)
        if on_model is not None:
            on_model(iteration, models)
        store.score(models)
        histograms = store.histograms(thresholds.BINS)
        limits = {t: thresholds.choose(histograms[t], settings.threshold, settings.threshold_value) for t in TARGETS}
        firm = {
            t: thresholds.firm(histograms[t], limits[t])
            if settings.domain.domain_min_score is None
            else settings.domain.domain_min_score
            for t in TARGETS
        }
        collected, table = store.decide(iteration, limits, settings.competitive, rules, firm)
        sites, new_rules = promote(table, rules, iteration, settings.domain)
        known_sites = {r.site for r in rules}
        entry = {
            "iteration": iteration,
            "models": model_info,
            "negatives": len(negatives),
            "negatives_dropped_as_suspected_positives": dropped,
            "targets": {},
        }
        for target in TARGETS:
            promoted = [s for s in sites if target in s["promoted"]]
            entry["targets"][target] = {
                "seed_pages": seeds.get(target, 0),
                "training_positives": sum(1 for label, _ in positives if label == target),
                "threshold": round(limits[target], 4),
                "firm_score": round(firm[target], 4),
                "pages_collected": collected.get(target, 0),
                "domains_promoted": len(promoted),
                "new_domains": sorted(s["site"] for s in promoted if s["site"] not in known_sites),
                "new_seed_prefixes": [f"{r.site}{r.prefix}" for r in new_rules if r.target == target],
                "domain_table": [_site_row(s) for s in promoted[:100]],
            }
        report["iterations"].append(entry)
        rules = sorted(set(rules) | set(new_rules))
        if on_iteration is not None:
            on_iteration(iteration, rules)
    final_seeds = store.seed_counts(rules)
    report["final_seed_rules"] = [r.as_dict() for r in rules]
    report["final_seed_pages"] = final_seeds
    return report


def train_models(
    positives: list[tuple[str, str]], negatives: list[str], settings: RecallSettings
) -> tuple[list[ModelRef], list[dict]]:
    if settings.competitive:
        examples = (balanced(positives) if settings.balance_targets else positives) + [
            (OTHER, line) for line in negatives
        ]
        trained = [train(_shuffled(examples, settings.seed), settings.train)]
    else:
        trained = []
        for target in TARGETS:
            ours = [(label, line) for label, line in positives if label == target]
            if ours:
                examples = ours + [(OTHER, line) for line in negatives]
                trained.append(train(_shuffled(examples, settings.seed), settings.train))
    return [ModelRef(m.data, m.labels) for m in trained], [m.info() for m in trained]


def clean_negatives(
    positives: list[tuple[str, str]], negatives: list[str], settings: RecallSettings
) -> tuple[list[str], int]:
    """Cross-fit: train on the positives and one half of the negatives, score the other half, and
    drop the negatives that model collects (random pages that are really code or math pages would
    otherwise teach the model that such pages are `other`). Only confident calls are dropped: a
    negative that is unlike every training page (a license text among code seeds) must stay, or
    the model never learns that it is `other`."""
    if len(negatives) < 20 or not positives:
        return negatives, 0
    halves = [negatives[0::2], negatives[1::2]]
    kept = []
    for held_out, used in ((halves[0], halves[1]), (halves[1], halves[0])):
        models, _ = train_models(positives, used, settings)
        probs = score_lines(held_out, models)
        labels = decide_labels(probs, {t: settings.clean_min_score for t in TARGETS}, settings.competitive)
        kept += [line for line, label in zip(held_out, labels, strict=False) if label is None]
    return kept, len(negatives) - len(kept)


def balanced(positives: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Repeat each target's positives up to the largest target's count: with 600 code seeds and 200
    math seeds, an unbalanced model files math documentation under code."""
    by_target = {t: [e for e in positives if e[0] == t] for t in TARGETS}
    largest = max(len(v) for v in by_target.values())
    out = []
    for examples in by_target.values():
        if examples:
            out += examples * (largest // len(examples)) + examples[: largest % len(examples)]
    return out


def _shuffled(examples: list, seed: int) -> list:
    examples = list(examples)
    random.Random(seed).shuffle(examples)
    return examples


def _site_row(site: dict) -> dict:
    return {k: site[k] for k in ("site", "pages", *TARGETS, "promoted", "new_prefixes")}


def _jsonable(settings: RecallSettings) -> dict:
    import dataclasses

    return dataclasses.asdict(settings)
