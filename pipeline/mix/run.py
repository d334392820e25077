"""The mix stage without Spark: read the inputs, plan, write the blend (views) or the mixed shards, and
the manifest's fields. `jobs/mix.py` wires it to the runner."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass

import numpy as np

from pipeline.measure import phase
from pipeline.mix.blend import write_blend, write_views
from pipeline.mix.inputs import Catalog, open_catalog
from pipeline.mix.materialize import (
    MIX_COLUMNS,
    MIX_KIND_COLUMNS,
    realized_categories,
    realized_counts,
    select_documents,
    write_mixed_shards,
)
from pipeline.mix.plan import MixPlan, check_epochs, format_plan, make_plan
from pipeline.mix.settings import MixSettings
from pipeline.tokenize.partition import DOCUMENTS_SUFFIX, SHARE_COLUMNS


@dataclass
class Prepared:
    catalog: Catalog
    plan: MixPlan
    kind_units: np.ndarray  # each kind's unit in plan.units(), -1: not in the mix


def prepare(inputs: list[str], settings: MixSettings, timer=phase, out=print) -> Prepared:
    """Read and check the inputs, make the plan, print it, and refuse what breaks the rules. `timer`
    times the phases (a stage's `check` runs before the runner starts timing the run)."""
    with timer("read_inputs"):
        catalog = open_catalog(inputs)
    with timer("plan"):
        plan, kind_units = make_plan(catalog, settings)
    out(format_plan(plan))
    check_epochs(plan, settings)
    return Prepared(catalog, plan, kind_units)


def write_mix(prepared: Prepared, settings: MixSettings, output: str) -> dict:
    """Write the mix into `output` (an empty folder); returns the manifest's extra fields."""
    catalog, plan, kind_units = prepared.catalog, prepared.plan, prepared.kind_units
    os.makedirs(output, exist_ok=True)
    realized: dict[tuple[str, str], float]
    by_category: dict[str, dict[str, float]] = {}
    extra: dict = {}
    if settings.materialize:
        with phase("select"):
            selection = select_documents(catalog, plan, kind_units, settings.seed)
        with phase("write_shards"):
            shards = write_mixed_shards(catalog, plan, kind_units, selection, output, settings.shard_tokens)
        realized = {unit: float(tokens) for unit, tokens in selection.realized.items()}
        counts = realized_counts(catalog, selection)
        by_category = realized_categories(catalog, plan, kind_units, selection)
        total = sum(s["tokens"] for s in shards)
        datasets = [
            {
                "prefix": os.path.abspath(os.path.join(output, s["name"])),
                "weight": s["tokens"] / (total or 1),
                "tokens": s["tokens"],
                "documents": s["documents"],
            }
            for s in shards
        ]
        extra.update(
            output={
                "rows": sum(s["documents"] for s in shards),
                "bytes": sum(s["bytes"] for s in shards),
                "files": 3 * len(shards),
                "format": "megatron-mmidx",
                "tokens": total,
                "shards": len(shards),
            },
            documents=sum(s["documents"] for s in shards),
            tokens=total,
            tokens_by_language=dict(counts["language"].most_common()),
            tokens_by_source=dict(counts["source"].most_common()),
            tokens_by_category=dict(counts["category"].most_common()),  # estimated, as in the plan
            shards=shards,
            document_metadata={
                "suffix": DOCUMENTS_SUFFIX,
                "columns": list(MIX_COLUMNS),
                "kind_columns": list(MIX_KIND_COLUMNS),
                "share_columns": list(SHARE_COLUMNS),
            },
        )
    else:
        with phase("views"):
            datasets = write_views(catalog, plan, kind_units, output)
        realized = {}
        extra["output"] = {
            "rows": 0,
            "bytes": sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(output) for f in fs),
            "files": 2 * len(datasets),
            "format": "megatron-blend",
            "tokens": 0,
            "views": len(datasets),
        }
    with phase("blend"):
        extra["blend"] = write_blend(output, datasets, plan, settings.materialize)
    extra["tokenizer"] = catalog.tokenizer
    extra["mix"] = shares_report(plan, realized, datasets if not settings.materialize else None, by_category)
    print_shares(extra["mix"])
    return extra


def shares_report(
    plan: MixPlan, realized: dict, views: list[dict] | None, realized_categories: dict | None = None
) -> dict:
    """The plan, with each group's and language's target share, blend share and realized share (and,
    materialized, each group's realized tokens by category)."""
    report = plan.as_dict()
    blend_weight: Counter = Counter()
    for view in views or []:
        blend_weight[(view["group"], view["language"])] += view["weight"]
    total_realized = sum(realized.values())
    for group in report["groups"]:
        group_realized = 0.0
        for lang in group["languages"]:
            unit = (group["name"], lang["language"])
            lang["share_of_mix"] = group["target_share"] * lang["share"]
            if views is not None:
                lang["blend_share"] = blend_weight[unit]
            if realized:
                lang["realized_tokens"] = int(realized.get(unit, 0))
                lang["realized_share"] = realized.get(unit, 0) / (total_realized or 1)
                group_realized += realized.get(unit, 0)
        if views is not None:
            group["blend_share"] = sum(lang["blend_share"] for lang in group["languages"])
        if realized:
            group["realized_tokens"] = int(group_realized)
            group["realized_share"] = group_realized / (total_realized or 1)
            written = (realized_categories or {}).get(group["name"], {})
            for entry in group["categories"]:
                entry["realized_tokens"] = round(written.get(entry["category"], 0.0))
    report["realized_tokens"] = int(total_realized) if realized else None
    return report


def print_shares(report: dict) -> None:
    realized = report.get("realized_tokens") is not None
    column = "realized" if realized else "blend"
    print(f"{'group':<10} {'target':>8} {column:>9}  (largest languages: target -> {column})")
    for group in report["groups"]:
        got = group.get("realized_share") if realized else group.get("blend_share")
        languages = ", ".join(
            f"{lang['language']} {lang['share_of_mix']:.1%}->"
            f"{(lang.get('realized_share') if realized else lang.get('blend_share')) or 0:.1%}"
            for lang in group["languages"][:4]
        )
        print(f"{group['name']:<10} {group['target_share']:>8.1%} {got or 0:>9.2%}  {languages}")
