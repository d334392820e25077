"""What a target means for each group and language: tokens available, wanted, epochs.

Group g gets `target_g * total` tokens. Inside it, language i gets the share
`p_i = n_i^(1/T) / sum_j n_j^(1/T)` of the group's tokens (n_i: its tokens available; T=1 keeps the
natural shares), then caps: a language over its cap is set to the cap and the excess goes to the
uncapped languages in proportion to their shares, until none is over. A language's epochs are its
wanted tokens over its available tokens; a group's, the group's wanted over available.

Without --total-tokens the total is the largest that repeats nothing: min over languages of
`n_i / (target_g * p_i)`.

Every group and language also counts its tokens by category: a document's tokens go to its sidecar
`category`, except its text / notebook shares (the README, docs and notebooks inside a repository
sample, by bytes), which go to `text` / `notebook`. So those counts are estimates: a sample's
documentation is assumed to take as many tokens per byte as its code.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from pipeline.config import UsageError
from pipeline.mix.inputs import Catalog, language_key
from pipeline.mix.settings import Group, MixSettings
from pipeline.tokenize.partition import UNKNOWN

UNMATCHED = "(no group)"
TEXT, NOTEBOOK = "text", "notebook"  # where documents' text / notebook shares are counted
CATEGORY_NOTE = (
    "tokens by category: each document's by its sidecar category, except the text / notebook shares of "
    "repository samples (by bytes), counted as text / notebook: estimated from bytes"
)
SHARE_BLOCK = 1 << 22  # documents weighted at once (bounds the temporary arrays)


@dataclass
class LanguagePlan:
    language: str
    available: int
    documents: int
    share: float  # of its group's tokens
    wanted: float = 0.0
    epochs: float = 0.0
    capped: bool = False
    categories: dict[str, float] = field(default_factory=dict)  # available tokens by category (estimated)


@dataclass
class CategoryPlan:
    category: str
    available: float  # tokens, estimated (see CATEGORY_NOTE)
    wanted: float
    share: float  # of its group's wanted tokens

    @property
    def epochs(self) -> float:
        return self.wanted / self.available if self.available else 0.0


@dataclass
class GroupPlan:
    name: str
    target: float
    available: int
    documents: int
    temperature: float
    languages: list[LanguagePlan] = field(default_factory=list)
    wanted: float = 0.0
    categories: list[CategoryPlan] = field(default_factory=list)  # largest first

    @property
    def epochs(self) -> float:
        return self.wanted / self.available if self.available else math.inf


@dataclass
class MixPlan:
    total_tokens: int
    groups: list[GroupPlan]  # the groups of the target (share > 0), in target order
    unused: dict[str, int]  # tokens of groups outside the target, and of documents no group matched
    total_given: bool

    def units(self) -> list[tuple[str, str]]:
        """(group, language) of every part the mix draws from, in plan order."""
        return [(g.name, lang.language) for g in self.groups for lang in g.languages]

    def categories(self) -> dict[str, float]:
        """Wanted tokens of the whole mix by category (estimated), largest first."""
        totals: dict[str, float] = {}
        for group in self.groups:
            for entry in group.categories:
                totals[entry.category] = totals.get(entry.category, 0.0) + entry.wanted
        return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))

    def as_dict(self) -> dict:
        return {
            "total_tokens": self.total_tokens,
            "total_given": self.total_given,
            "groups": [
                {
                    "name": g.name,
                    "target_share": g.target,
                    "available_tokens": g.available,
                    "documents": g.documents,
                    "wanted_tokens": round(g.wanted),
                    "epochs": round(g.epochs, 4),
                    "temperature": g.temperature,
                    "languages": [
                        {
                            **asdict(lang),
                            "wanted": round(lang.wanted),
                            "epochs": round(lang.epochs, 4),
                            "categories": {k: round(v) for k, v in lang.categories.items()},
                        }
                        for lang in g.languages
                    ],
                    "categories": [
                        {
                            "category": c.category,
                            "available_tokens": round(c.available),
                            "wanted_tokens": round(c.wanted),
                            "share": c.share,
                            "epochs": round(c.epochs, 4),
                        }
                        for c in g.categories
                    ],
                }
                for g in self.groups
            ],
            "categories": {name: round(tokens) for name, tokens in self.categories().items()},
            "categories_note": CATEGORY_NOTE,
            "unused_tokens": self.unused,
        }


def language_shares(
    available: dict[str, int], temperature: float, caps: dict[str, float] | None = None
) -> tuple[dict[str, float], set[str]]:
    """Temperature-sampled shares of the languages (p_i ∝ n_i^(1/T)), then caps; and which were capped."""
    present = {lang: n for lang, n in available.items() if n > 0}
    if not present:
        return {}, set()
    # in log space: n^(1/T) overflows for large n and small T
    logs = {lang: math.log(n) / temperature for lang, n in present.items()}
    top = max(logs.values())
    weights = {lang: math.exp(value - top) for lang, value in logs.items()}
    caps = {lang: float(cap) for lang, cap in (caps or {}).items() if lang in present}
    fixed: dict[str, float] = {}
    while True:
        free = [lang for lang in present if lang not in fixed]
        remaining = 1.0 - sum(fixed.values())
        free_weight = sum(weights[lang] for lang in free)
        shares = {lang: weights[lang] / free_weight * remaining for lang in free} if free else {}
        over = [lang for lang in free if lang in caps and shares[lang] > caps[lang] + 1e-12]
        if not over:
            break
        for lang in over:
            fixed[lang] = caps[lang]
        if len(fixed) == len(present):
            break
    shares.update(fixed)
    total = sum(shares.values())
    if total < 1 - 1e-9:
        raise UsageError(
            f"the language caps ({', '.join(f'{k}={v:g}' for k, v in sorted(caps.items()))}) cap every language "
            f"of a group and add up to {total:g} < 1; raise them or leave a language uncapped"
        )
    return shares, set(fixed)


def group_counts(catalog: Catalog, groups: list[Group]) -> tuple[list[str], np.ndarray]:
    """Each kind's group name (UNMATCHED for none), and each kind's (tokens, documents)."""
    names = []
    for kind in catalog.kind_table:
        document = {**kind, "input": catalog.inputs[kind["input"]].names}
        names.append(next((g.name for g in groups if g.matches(document)), UNMATCHED))
    counts = np.zeros((len(catalog.kind_table), 2), np.int64)
    np.add.at(counts[:, 0], catalog.kinds, catalog.lengths)
    np.add.at(counts[:, 1], catalog.kinds, 1)
    return names, counts


def share_tokens(catalog: Catalog) -> np.ndarray:
    """Per kind, (tokens × text share, tokens × notebook share) summed over its documents (float64)."""
    totals = np.zeros((len(catalog.kind_table), 2), np.float64)
    for first in range(0, len(catalog.lengths), SHARE_BLOCK):
        part = slice(first, first + SHARE_BLOCK)
        kinds, lengths = catalog.kinds[part], catalog.lengths[part].astype(np.float64)
        for column, shares in enumerate((catalog.text_shares[part], catalog.notebook_shares[part])):
            totals[:, column] += np.bincount(kinds, weights=lengths * shares, minlength=len(totals))
    return totals


def kind_categories(kind: dict, tokens: int, shares: np.ndarray) -> dict[str, float]:
    """A kind's tokens by category: its own category, less its text / notebook shares."""
    text, notebook = float(shares[0]), float(shares[1])
    found = {(kind.get("category") or UNKNOWN): max(tokens - text - notebook, 0.0)}
    found[TEXT] = found.get(TEXT, 0.0) + text
    found[NOTEBOOK] = found.get(NOTEBOOK, 0.0) + notebook
    return {name: value for name, value in found.items() if value > 0}


def make_plan(catalog: Catalog, settings: MixSettings) -> tuple[MixPlan, np.ndarray]:
    """The plan, and each kind's unit (index into plan.units(), -1: not in the mix)."""
    shares = settings.target_shares()
    groups = {g.name: g for g in settings.group_list()}
    kind_groups, counts = group_counts(catalog, list(groups.values()))
    kind_shares = share_tokens(catalog)
    per_unit: dict[tuple[str, str], list[int]] = {}
    unit_categories: dict[tuple[str, str], dict[str, float]] = {}
    unused: dict[str, int] = {}
    for k, kind in enumerate(catalog.kind_table):
        group = kind_groups[k]
        if shares.get(group, 0) > 0:
            entry = per_unit.setdefault((group, language_key(kind)), [0, 0])
            entry[0] += int(counts[k, 0])
            entry[1] += int(counts[k, 1])
            found = unit_categories.setdefault((group, language_key(kind)), {})
            for name, tokens in kind_categories(kind, int(counts[k, 0]), kind_shares[k]).items():
                found[name] = found.get(name, 0.0) + tokens
        elif counts[k, 0]:
            unused[group] = unused.get(group, 0) + int(counts[k, 0])
    plans = []
    for name, target in shares.items():
        if target <= 0:
            continue
        definition = groups[name]
        languages = {lang: v for (g, lang), v in per_unit.items() if g == name}
        available = sum(v[0] for v in languages.values())
        if not available:
            raise UsageError(
                f"group {name} has no tokens in the inputs (target {target:g}): give it share 0 in --target, "
                "add an input that holds it, or change its definition in [mix.groups]"
            )
        temperature = definition.temperature or settings.language_temperature
        language_share, capped = language_shares(
            {lang: v[0] for lang, v in languages.items()}, temperature, definition.language_caps
        )
        ordered = sorted(languages, key=lambda lang: (-languages[lang][0], lang))
        plans.append(
            GroupPlan(
                name=name,
                target=target,
                available=available,
                documents=sum(v[1] for v in languages.values()),
                temperature=temperature,
                languages=[
                    LanguagePlan(
                        lang,
                        languages[lang][0],
                        languages[lang][1],
                        language_share[lang],
                        capped=lang in capped,
                        categories=unit_categories.get((name, lang), {}),
                    )
                    for lang in ordered
                ],
            )
        )
    total = settings.total_tokens
    if total is None:  # the largest mix that repeats no language of any group
        total = math.floor(min(lang.available / (g.target * lang.share) for g in plans for lang in g.languages))
    for group in plans:
        group.wanted = group.target * total
        for lang in group.languages:
            lang.wanted = group.wanted * lang.share
            lang.epochs = lang.wanted / lang.available
        group.categories = group_categories(group)
    plan = MixPlan(total_tokens=int(total), groups=plans, unused=unused, total_given=settings.total_tokens is not None)
    unit_index = {unit: k for k, unit in enumerate(plan.units())}
    kind_units = np.array(
        [
            unit_index.get((kind_groups[k], language_key(kind)), -1) if shares.get(kind_groups[k], 0) > 0 else -1
            for k, kind in enumerate(catalog.kind_table)
        ],
        np.int32,
    )
    return plan, kind_units


def group_categories(group: GroupPlan) -> list[CategoryPlan]:
    """The group's tokens by category, available and wanted (each language's at its own epochs)."""
    available: dict[str, float] = {}
    wanted: dict[str, float] = {}
    for lang in group.languages:
        for name, tokens in lang.categories.items():
            available[name] = available.get(name, 0.0) + tokens
            wanted[name] = wanted.get(name, 0.0) + tokens * lang.epochs
    ordered = sorted(available, key=lambda name: (-wanted[name], -available[name], name))
    return [CategoryPlan(name, available[name], wanted[name], wanted[name] / (group.wanted or 1)) for name in ordered]


def check_epochs(plan: MixPlan, settings: MixSettings) -> None:
    """A group, or a language of a group, repeated more than --max-epochs times is an error (unless
    --allow-repeat) that names it and what to change."""
    if settings.allow_repeat:
        return
    limit = settings.max_epochs
    for group in plan.groups:
        if group.epochs > limit:
            raise UsageError(
                f"group {group.name} would be repeated {group.epochs:.2f} times ({group.wanted:,.0f} tokens wanted, "
                f"{group.available:,} available), over --max-epochs {limit:g}: lower its --target share or "
                "--total-tokens, raise --max-epochs, or pass --allow-repeat"
            )
    for group in plan.groups:
        for lang in group.languages:
            if lang.epochs > limit:
                raise UsageError(
                    f"group {group.name}, language {lang.language} would be repeated {lang.epochs:.2f} times "
                    f"({lang.wanted:,.0f} tokens wanted, {lang.available:,} available), over --max-epochs {limit:g}: "
                    "lower --language-temperature or --total-tokens, raise --max-epochs, or pass --allow-repeat"
                )


def format_plan(plan: MixPlan, max_languages: int = 12) -> str:
    given = "" if plan.total_given else " (the most that repeats nothing; --total-tokens to choose)"
    lines = [
        f"mix of {plan.total_tokens:,} tokens{given}",
        f"{'group':<10} {'language':<22} {'available':>15} {'share':>7} {'wanted':>15} {'epochs':>7}",
    ]
    for group in plan.groups:
        lines.append(
            f"{group.name:<10} {'(all, T=' + format(group.temperature, 'g') + ')':<22} {group.available:>15,} "
            f"{group.target:>7.1%} {group.wanted:>15,.0f} {group.epochs:>7.2f}"
        )
        for lang in group.languages[:max_languages]:
            mark = " capped" if lang.capped else ""
            lines.append(
                f"{'':<10} {lang.language[:22]:<22} {lang.available:>15,} {lang.share:>7.1%} "
                f"{lang.wanted:>15,.0f} {lang.epochs:>7.2f}{mark}"
            )
        hidden = group.languages[max_languages:]
        if hidden:
            lines.append(
                f"{'':<10} {f'({len(hidden)} more)':<22} {sum(x.available for x in hidden):>15,} "
                f"{sum(x.share for x in hidden):>7.1%} {sum(x.wanted for x in hidden):>15,.0f}"
            )
        if group.categories:
            lines.append(f"{'':<10} categories (by bytes inside repository samples; share: of the group):")
            for entry in group.categories:
                lines.append(
                    f"{'':<10} {'= ' + entry.category[:20]:<22} {entry.available:>15,.0f} {entry.share:>7.1%} "
                    f"{entry.wanted:>15,.0f} {entry.epochs:>7.2f}"
                )
    categories = plan.categories()
    total = sum(categories.values()) or 1
    if categories:
        shown = ", ".join(f"{name} {tokens / total:.1%}" for name, tokens in categories.items())
        lines.append(f"mix by category (by bytes inside repository samples): {shown}")
    for name, tokens in sorted(plan.unused.items()):
        lines.append(f"not used: {name}: {tokens:,} tokens (not in --target)")
    return "\n".join(lines)
