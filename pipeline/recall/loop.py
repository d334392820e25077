"""The recall loop, independent of where the pages live (a `PageStore`: in memory, or Spark).

Each iteration: train on the seeds (positives) and a random sample of the other pages (negatives:
of the input, or of `--negatives-dataset`), minus the sites and pages that models trained without
them call code or math (`clean_negatives`, see pipeline/recall/README.md for the measurements that
chose it), score every page, set thresholds from the score distribution, collect, apply the domain
rule, and grow the seed rules.
"""

from __future__ import annotations

import dataclasses
import random
import zlib
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from pipeline.recall import ANY_TARGET, OTHER, TARGETS, thresholds
from pipeline.recall.batches import ModelRef, decide_labels, score_lines
from pipeline.recall.domain_rule import DomainRuleSettings, backed_sites, promote
from pipeline.recall.model import TrainSettings, train, train_and_predict
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
    negatives_dataset: str | None = setting(
        None, "draw negatives from this dataset (Parquet with `content`, e.g. random web pages), not the input"
    )
    max_positives: int = setting(500_000, "positives per target per iteration (the paper's 500K)", minimum=1)
    clean_negatives: bool = setting(True, "drop sampled negatives that a cross-fitted model calls positive")
    clean_by: str = setting(
        "site",
        "cross-fit by `site` (a model trained without a site's pages judges them) or by `page` (halves)",
        choices=("site", "page"),
    )
    clean_folds: int = setting(4, "cross-fitting folds: models trained to judge the negatives, each round", minimum=2)
    clean_rounds: int = setting(3, "most cleaning rounds per iteration (a round that drops no site ends it)", minimum=1)
    clean_dim: int = setting(64, "vector size of the judging models (smaller: faster)", minimum=1)
    clean_site_share: float = setting(
        0.5,
        "drop all sampled negatives of a site when more than this share of them is called code or math",
        minimum=0.0,
        maximum=1.0,
    )
    clean_min_score: float = setting(
        0.8, "drop any sampled negative called code or math with at least this probability", minimum=0.0, maximum=1.0
    )
    site_evidence: bool = setting(
        False,
        "collect a page off the seed rules only where its site backs it (enough of its pages collected "
        "firmly for the domain rule's share test, or too few pages to judge): precision over recall",
    )
    competitive: bool = setting(True, "targets compete for a page (off: one binary model per target, as the paper)")
    model_shape: str = setting(
        "two_stage",
        "competing targets as `two_stage` models (code or math against other, then code against math) "
        "or one `three_class` model",
        choices=("two_stage", "three_class"),
    )
    balance_targets: bool = setting(True, "repeat the smaller target's positives so targets weigh the same")
    exclude_collected: bool = setting(True, "pages the previous model collected are never negatives")
    exclude_seed_sites: bool = setting(
        True, "no page of a site that holds a seed rule (given or promoted) is a negative, whatever its path"
    )
    paper: bool = setting(False, "the literal DeepSeekMath loop (binary model per target, 0.5, plain 10% rule)")
    tokenizer: str = setting(DEFAULT_TOKENIZER, "`deepseek`, a tokenizer.json path, or `whitespace` for plain words")
    max_chars: int = setting(8000, "characters of each page fed to fastText", minimum=1)
    seed: int = setting(0, "seeds sampling and training", minimum=0)
    train: TrainSettings = field(default_factory=TrainSettings)
    domain: DomainRuleSettings = field(default_factory=DomainRuleSettings)

    @property
    def decision(self) -> str:
        """How a page's scores become its label (pipeline.recall.batches.decide_labels)."""
        return self.model_shape if self.competitive else "independent"

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
            common = (
                "iterations",
                "negatives",
                "negatives_dataset",
                "max_positives",
                "tokenizer",
                "max_chars",
                "seed",
                "train",
            )
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
        exclude_seed_sites=False,
        balance_targets=False,
        domain=DomainRuleSettings(dominance=0.0, prefix_share=0.0, min_pages=1, domain_min_score=0.0, confidence_z=0.0),
    )
    return RecallSettings(**{**base, **changes})


class PageStore(Protocol):
    """Where the prepared pages live. Implemented in memory (pipeline.recall.memory) and on Spark
    (pipeline.recall.spark_store)."""

    def seed_counts(self, rules: list[SeedRule]) -> dict[str, int]: ...

    def positives(self, rules: list[SeedRule], per_target: int, seed: int) -> list[tuple[str, str]]: ...

    def negatives(
        self, rules: list[SeedRule], count: int, seed: int, exclude_collected: bool, exclude_seed_sites: bool
    ) -> list[tuple[str, str]]: ...

    def score(self, models: list[ModelRef]) -> None: ...

    def histograms(self, bins: int) -> dict[str, np.ndarray]: ...

    def decide(
        self,
        iteration: int,
        limits: dict[str, float],
        decision: str,
        rules: list[SeedRule],
        firm: dict[str, float],
    ) -> tuple[dict[str, int], list[dict]]: ...

    def keep_backed(self, iteration: int, backed: dict[str, set[str]]) -> dict[str, int]: ...


def run_loop(
    store: PageStore,
    seed_rules: list[SeedRule],
    settings: RecallSettings,
    on_model=None,
    on_iteration=None,
    negatives_store: PageStore | None = None,
) -> dict:
    """Run all iterations; returns the report. The final decisions stay in the store.

    `on_model(iteration, models)` receives each iteration's trained models (to save them);
    `on_iteration(iteration, rules)` the seed rules grown by that iteration (to measure it);
    `negatives_store` holds the pages of `--negatives-dataset` (negatives come from it, not `store`).
    """
    rules = sorted(set(seed_rules))
    report = {"settings": _jsonable(settings), "seed_rules": [r.as_dict() for r in rules], "iterations": []}
    for iteration in range(1, settings.iterations + 1):
        seeds = store.seed_counts(rules)
        positives = store.positives(rules, settings.max_positives, settings.seed + iteration)
        wanted = settings.negatives or len(positives)
        source = negatives_store if negatives_store is not None else store
        exclude_collected = settings.exclude_collected and iteration > 1 and negatives_store is None
        negatives = source.negatives(
            rules, wanted, settings.seed + 1000 + iteration, exclude_collected, settings.exclude_seed_sites
        )
        cleaning = {"dropped": 0, "dropped_sites": [], "rounds": 0}
        sampled = len(negatives)
        if settings.clean_negatives:
            negatives, cleaning = clean_negatives(positives, negatives, settings)
        lines = [line for _, line in negatives]
        if lines and len(lines) < sampled:  # the kept ones repeated: as many negatives as sampled, same prior
            lines = [lines[i % len(lines)] for i in range(sampled)]
        models, model_info = train_models(positives, lines, settings)
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
        collected, table = store.decide(iteration, limits, settings.decision, rules, firm)
        sites, new_rules = promote(table, rules, iteration, settings.domain)
        provisional = collected
        if settings.site_evidence:
            collected = store.keep_backed(iteration, backed_sites(table, settings.domain))
        known_sites = {r.site for r in rules}
        entry = {
            "iteration": iteration,
            "models": model_info,
            "negatives": sampled,
            "negatives_kept": len(negatives),
            "negatives_cleaning_rounds": cleaning["rounds"],
            "negatives_source": "negatives_dataset" if negatives_store is not None else "input",
            "negatives_dropped_as_suspected_positives": cleaning["dropped"],
            "negatives_dropped_sites": cleaning["dropped_sites"],
            "targets": {},
        }
        for target in TARGETS:
            promoted = [s for s in sites if target in s["promoted"]]
            passed_over = sorted(
                (s for s in sites if s[target] > 0 and target not in s["promoted"] and s["site"] not in known_sites),
                key=lambda s: (-s[target], -s["pages"], s["site"]),
            )
            entry["targets"][target] = {
                "seed_pages": seeds.get(target, 0),
                "training_positives": sum(1 for label, _ in positives if label == target),
                "threshold": round(limits[target], 4),
                "firm_score": round(firm[target], 4),
                "pages_collected": collected.get(target, 0),
                "pages_not_backed_by_site": provisional.get(target, 0) - collected.get(target, 0),
                "domains_promoted": len(promoted),
                "new_domains": sorted(s["site"] for s in promoted if s["site"] not in known_sites),
                "new_seed_prefixes": [f"{r.site}{r.prefix}" for r in new_rules if r.target == target],
                "domain_table": [_site_row(s) for s in promoted[:100]],
                "promoted_why": [
                    {"site": s["site"], "pages": s["pages"], "new_prefixes": s["new_prefixes"], "why": s["why"][target]}
                    for s in promoted
                    if s["new_prefixes"]
                ],
                "high_not_promoted": [
                    {"site": s["site"], "pages": s["pages"], target: s[target], "why": s["why"][target]}
                    for s in passed_over[:10]
                ],
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
    """The iteration's models: competing (two-stage or three-class) or one binary model per target.

    Two-stage: where the targets split a page's probability between them (a CAS manual reads partly
    like code), neither beats `other` in a three-class model, although together they do; the gate
    asks "code or math?" against `other` first, and a second model trained on the positives alone
    names the target (pipeline/recall/README.md has the measurements)."""
    if not settings.competitive:
        trained = []
        for target in TARGETS:
            ours = [(label, line) for label, line in positives if label == target]
            if ours:
                examples = ours + [(OTHER, line) for line in negatives]
                trained.append(train(_shuffled(examples, settings.seed), settings.train))
    elif settings.model_shape == "two_stage" and len({label for label, _ in positives}) > 1:
        weighted = balanced(positives) if settings.balance_targets else positives
        trained = [
            _train_gate(weighted, negatives, settings),
            train(_shuffled(weighted, settings.seed), settings.train),
        ]
    else:  # three-class, or two-stage with one target's positives only: the gate is then that target's
        examples = (balanced(positives) if settings.balance_targets else positives) + [
            (OTHER, line) for line in negatives
        ]
        trained = [train(_shuffled(examples, settings.seed), settings.train)]
    return [ModelRef(m.data, m.labels) for m in trained], [m.info() for m in trained]


def _train_gate(positives: list[tuple[str, str]], negatives: list[str], settings: RecallSettings):
    return train(_gate_examples(positives, negatives, settings.seed), settings.train)


def _gate_examples(positives: list[tuple[str, str]], negatives: list[str], seed: int) -> list[tuple[str, str]]:
    """The two-stage gate's examples: every positive as `target`, against the negatives as `other`."""
    examples = [(ANY_TARGET, line) for _, line in positives] + [(OTHER, line) for line in negatives]
    return _shuffled(examples, seed)


def clean_negatives(
    positives: list[tuple[str, str]], negatives: list[tuple[str, str]], settings: RecallSettings
) -> tuple[list[tuple[str, str]], dict]:
    """Drop the sampled (site, line) negatives that are probably code or math pages.

    Cross-fit: train on the positives and all folds of the negatives but one, judge the one left out.
    With `clean_by="site"` a fold holds whole sites, so a site is judged by a model that never saw
    its pages as `other` (with page folds, a code site of the crawl sits in every fold and each model
    learns it as `other`: where targets are common, nothing is cleaned). A site goes when more than
    `clean_site_share` of its sampled pages are called a target; a page goes when it is called a
    target with at least `clean_min_score`. Each round judges what the last one kept, until a round
    drops no site (at most `clean_rounds`): once the clearest target sites are out of `other`, the
    next round's models see the less clear ones for what they are. No share of targets is assumed:
    with few targets no `other` site is called a target by most of its pages and nothing but a few
    pages goes (more folds: each model knows more `other` sites, so fewer look new); the few
    code-like pages of an `other` site stay, the hard negatives the model needs.
    """
    info = {"dropped": 0, "dropped_sites": [], "rounds": 0}
    kept = list(negatives)
    if len(negatives) < 20 or not positives:
        return kept, info
    rounds = settings.clean_rounds if settings.clean_by == "site" else 1
    for _ in range(rounds):
        drop, sites = _judge(positives, kept, len(negatives), settings)
        info["rounds"] += 1
        info["dropped_sites"] += sites
        kept = [negative for negative, gone in zip(kept, drop, strict=True) if not gone]
        if not sites or len(kept) < 20:
            break
    info["dropped_sites"].sort(key=lambda row: (-row["sampled"], row["site"]))
    info["dropped"] = len(negatives) - len(kept)
    return kept, info


def _judge(
    positives: list[tuple[str, str]], negatives: list[tuple[str, str]], count: int, settings: RecallSettings
) -> tuple[np.ndarray, list[dict]]:
    """One cleaning round: which negatives to drop, and the sites dropped whole."""
    folds = _folds(negatives, settings.clean_by, settings.seed, settings.clean_folds)
    judge = dataclasses.replace(settings, train=settings.train.replace(dim=min(settings.train.dim, settings.clean_dim)))
    called = np.zeros(len(negatives), dtype=bool)
    confident = np.zeros(len(negatives), dtype=bool)
    for fold in range(settings.clean_folds):
        used = [line for (_, line), f in zip(negatives, folds, strict=True) if f != fold]
        held = [i for i, f in enumerate(folds) if f == fold]
        if not used or not held:
            continue
        # as many negatives as the final model gets (repeated): fewer would tilt the prior to the targets
        used = [used[i % len(used)] for i in range(count)]
        calls, best = _judge_fold(positives, used, [negatives[i][1] for i in held], judge)
        called[held] = calls
        confident[held] = calls & (best >= settings.clean_min_score)
    drop = confident.copy()
    sites = []
    if settings.clean_by == "site":
        per_site: dict[str, list[int]] = {}
        for i, (site, _) in enumerate(negatives):
            per_site.setdefault(site, []).append(i)
        for site, rows in per_site.items():
            hits = int(called[rows].sum())
            if len(rows) >= 2 and hits > settings.clean_site_share * len(rows):
                drop[rows] = True
                sites.append({"site": site, "sampled": len(rows), "called_target": hits})
    return drop, sites


def _judge_fold(
    positives: list[tuple[str, str]], negatives: list[str], lines: list[str], settings: RecallSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Which `lines` a model trained on `positives` and `negatives` calls a target, and with what
    probability. Two-stage judges with the gate alone: only "a target or not" matters here, and
    the code-against-math model would double the trainings."""
    if settings.competitive and settings.model_shape == "two_stage":
        weighted = balanced(positives) if settings.balance_targets else positives
        labels, probs = train_and_predict(_gate_examples(weighted, negatives, settings.seed), settings.train, lines)
        p_target = probs[:, labels.index(ANY_TARGET)]
        return p_target > 0.5, p_target
    models, _ = train_models(positives, negatives, settings)
    probs = score_lines(lines, models)
    limits = {t: 0.0 if settings.competitive else 0.5 for t in TARGETS}
    calls = np.array([label is not None for label in decide_labels(probs, limits, settings.decision)])
    return calls, probs.max(axis=1)


def _folds(negatives: list[tuple[str, str]], by: str, seed: int, folds: int = 2) -> list[int]:
    """The fold of each negative: pages in turn, or whole sites balanced by their sampled pages
    (largest first, each to the fold with fewest pages; ties broken by a seeded hash of the site)."""
    if by == "page":
        return [i % folds for i in range(len(negatives))]
    counts: dict[str, int] = {}
    for site, _ in negatives:
        counts[site] = counts.get(site, 0) + 1
    order = sorted(counts, key=lambda site: (-counts[site], zlib.crc32(f"{seed}:{site}".encode())))
    sizes, fold_of = [0] * folds, {}
    for site in order:
        fold_of[site] = min(range(folds), key=lambda f: (sizes[f], f))
        sizes[fold_of[site]] += counts[site]
    return [fold_of[site] for site, _ in negatives]


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
