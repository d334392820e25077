"""The domain rule: sites where many pages were collected are code/math sites; the path prefixes
under them that hold collected pages become seed rules, so their uncollected pages join the seeds.

Unlike the literal rule (> 10% collected, per target independently), a site and a prefix are
promoted as a target only when that target dominates what their pages were collected as: a math
site whose pages the classifier split between code and math is not also promoted as code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.recall import TARGETS
from pipeline.recall.seeds import RuleIndex, SeedRule
from pipeline.stage import setting

RULE = "domain rule"


@dataclass(frozen=True)
class DomainRuleSettings:
    domain_share: float = setting(
        0.10,
        "promote a domain when more than this share of its pages is collected (the paper's 10%)",
        minimum=0.0,
        maximum=1.0,
        group=RULE,
    )
    prefix_share: float = setting(
        0.10,
        "a path prefix under a promoted domain: share of its pages collected",
        minimum=0.0,
        maximum=1.0,
        group=RULE,
    )
    dominance: float = setting(
        2.0,
        "collected as this target >= dominance x as any other; 0 = independent (paper)",
        minimum=0.0,
        group=RULE,
    )
    min_pages: int = setting(2, "pages a site needs (a one-page site tells nothing)", minimum=1, group=RULE)
    confidence_z: float = setting(
        1.64,
        "domain/prefix shares are judged by their Wilson lower bound at this z (0: the raw share)",
        minimum=0.0,
        group=RULE,
    )
    domain_min_score: float | None = setting(
        None,
        "score for a page to count in the domain rule (default: a firm call from the score distribution)",
        minimum=0.0,
        maximum=1.0,
        group=RULE,
    )


def promote(
    table: list[dict],
    rules: list[SeedRule],
    iteration: int,
    settings: DomainRuleSettings = DomainRuleSettings(),
) -> tuple[list[dict], list[SeedRule]]:
    """Apply the rule to a domain table: rows of (site, prefix, pages, code, math), one per site
    and first path segment, where `code`/`math` count the pages collected as that target.

    Returns the per-site table (with the promoted target, if any) and the new seed rules.
    """
    sites: dict[str, dict] = {}
    for row in table:
        site = sites.setdefault(
            row["site"], {"site": row["site"], "pages": 0, "prefixes": []} | {t: 0 for t in TARGETS}
        )
        site["pages"] += row["pages"]
        for target in TARGETS:
            site[target] += row[target]
        site["prefixes"].append(row)

    index = RuleIndex(rules)
    new_rules: list[SeedRule] = []
    site_rows = []
    for site in sorted(sites.values(), key=lambda s: (-max(s[t] for t in TARGETS), s["site"])):
        promoted = [t for t in TARGETS if _qualifies(site, t, settings.domain_share, settings)]
        annotated = []
        for target in promoted:
            for prefix_row in site["prefixes"]:
                if prefix_row["prefix"] == "/" or not _qualifies(prefix_row, target, settings.prefix_share, settings):
                    continue
                if index.match(site["site"], prefix_row["prefix"]) is not None:
                    continue  # already a seed (of this or another target): the older rule stands
                new_rules.append(SeedRule(target, site["site"], prefix_row["prefix"], iteration))
                annotated.append(prefix_row["prefix"])
        site_rows.append(
            {
                "site": site["site"],
                "pages": site["pages"],
                **{t: site[t] for t in TARGETS},
                "promoted": promoted,
                "new_prefixes": sorted(annotated),
                "why": {t: explain(site, t, settings, t in promoted) for t in TARGETS if site[t] > 0},
            }
        )
    return site_rows, new_rules


def backed_sites(table: list[dict], settings: DomainRuleSettings = DomainRuleSettings()) -> dict[str, set[str]]:
    """Per target, the sites whose pages back a page-level collection: the Wilson lower bound of the
    site's share of pages collected firmly as that target is above `domain_share` (the rule's own test,
    without dominance), or the site has fewer than `min_pages` pages (too few to judge: its pages'
    own scores stand). Where targets are rare, a model that is wrong on 1% of the `other` pages
    collects a few pages of many `other` sites: 3 of 100 pages of a site are no evidence that it holds
    code, while 3 of 6 are."""
    sites: dict[str, dict] = {}
    for row in table:
        site = sites.setdefault(row["site"], {"pages": 0} | {t: 0 for t in TARGETS})
        site["pages"] += row["pages"]
        for target in TARGETS:
            site[target] += row[target]
    return {
        target: {
            name
            for name, site in sites.items()
            if site["pages"] < settings.min_pages
            or share_lower_bound(site[target], site["pages"], settings.confidence_z) > settings.domain_share
        }
        for target in TARGETS
    }


def explain(row: dict, target: str, settings: DomainRuleSettings, promoted: bool) -> str:
    """Why a site was (or was not) promoted as `target`, in the rule's own numbers."""
    hits, pages = row[target], row["pages"]
    bound = share_lower_bound(hits, pages, settings.confidence_z)
    others = {t: row[t] for t in TARGETS if t != target}
    counted = f"{hits} of {pages} pages collected as {target} with a firm score ({hits / max(pages, 1):.0%}"
    counted += f", lower bound {bound:.2f})" if settings.confidence_z > 0 else ")"
    if promoted:
        versus = ", ".join(f"{t} {n}" for t, n in others.items())
        dominance = f"; {target} >= {settings.dominance:g} x ({versus})" if settings.dominance > 0 else ""
        return f"promoted: {counted} > {settings.domain_share:g}{dominance}"
    if pages < settings.min_pages:
        return f"not promoted: {pages} page(s), fewer than {settings.min_pages}"
    if bound <= settings.domain_share:
        return f"not promoted: {counted}, not above {settings.domain_share:g}"
    rival = max(others, key=others.get)
    return f"not promoted: {counted}, but {rival} {others[rival]}: {target} needs {settings.dominance:g} x as many"


def share_lower_bound(hits: int, total: int, z: float) -> float:
    """Wilson lower confidence bound of hits / total: 2 collected pages of 12 (17%) are not good
    evidence that more than 10% of a site is code; 200 of 1,200 are."""
    if total == 0:
        return 0.0
    p = hits / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return max(0.0, (centre - margin) / (1 + z * z / total))


def _qualifies(row: dict, target: str, share: float, settings: DomainRuleSettings) -> bool:
    if row["pages"] < settings.min_pages:
        return False
    if share_lower_bound(row[target], row["pages"], settings.confidence_z) <= share:
        return False
    others = [row[t] for t in TARGETS if t != target]
    return settings.dominance <= 0 or all(row[target] >= settings.dominance * other for other in others)
