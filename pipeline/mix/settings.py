"""The mix stage's settings (flags, `[mix]` TOML keys, manifest) and the group definitions they hold.

A group is a named set of documents, chosen by what each document's sidecar says (pipeline/tokenize/
partition.py: `language`, `nl_language`, `source`, `recall_label`, `category`) and which input it came
from. A
document belongs to the first group, in definition order, with a clause that matches it; a clause
matches when every field it names holds one of its values (an empty clause matches everything).

In a TOML file (`corpus mix --config mix.toml`):

    [mix]
    target = "code=0.6,math=0.1,text=0.3"
    language_temperature = 1.5

    [mix.groups.code]
    match = [{source = "github"}, {source = "github-issues"}, {recall_label = "code"}]
    language_caps = {Markdown = 0.05}     # optional: this group's own caps
    temperature = 2.0                      # optional: this group's own --language-temperature

    [mix.groups.math]
    match = [{recall_label = "math"}]

    [mix.groups.text]
    match = [{}]                           # everything else

A group may also be given as its list of clauses alone: `code = [{source = "github"}]`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.stage import setting

DEFAULT_TARGET = "code=0.6,math=0.1,text=0.3"  # DeepSeek-Coder-V2's pre-training composition
# GitHub files and samples, GitHub issue threads (DeepSeek-Coder-V2 counts them as code-related text
# inside its code share; pipeline/sources/issues.py SOURCE) and pages recalled as code; pages recalled
# as math; anything else (an imported text dataset, pages that no recall label claims).
DEFAULT_GROUPS = {
    "code": {"match": [{"source": ["github"]}, {"source": ["github-issues"]}, {"recall_label": ["code"]}]},
    "math": {"match": [{"recall_label": ["math"]}]},
    "text": {"match": [{}]},
}
MATCH_FIELDS = ("language", "nl_language", "source", "recall_label", "category", "input")
GROUP_KEYS = ("match", "temperature", "language_caps")
SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Group:
    name: str
    match: tuple[dict[str, frozenset[str]], ...]
    temperature: float | None = None
    language_caps: dict[str, float] | None = None

    def matches(self, document: dict) -> bool:
        """`document`: the values of MATCH_FIELDS (input: every name the input folder goes by)."""
        for clause in self.match:
            if all(_field_matches(document.get(name), values) for name, values in clause.items()):
                return True
        return False


def _field_matches(value, values: frozenset[str]) -> bool:
    if isinstance(value, set | frozenset | tuple | list):
        return bool(values.intersection(value))
    return value in values


@dataclass(frozen=True)
class MixSettings:
    """`corpus mix`: token budgets per group and language over token folders."""

    target: str = setting(
        DEFAULT_TARGET,
        "token share per group, GROUP=SHARE,... summing to 1; a group left out (or at 0) is not used",
        metavar="GROUP=SHARE,...",
    )
    total_tokens: int | None = setting(
        None, "tokens in the mix (default: the most that repeats no group and no language)", minimum=1
    )
    language_temperature: float = setting(
        1.0,
        "within a group, language i gets a share proportional to n_i^(1/T) of its n_i tokens: 1 keeps the "
        "natural shares, larger values flatten them (multilingual temperature sampling)",
        minimum=0.01,
        maximum=1000.0,
    )
    language_caps: dict = setting(
        help='largest share of its group one language may take, e.g. {"Python": 0.3}; the excess goes to '
        "the other languages in proportion",
        metavar="JSON",
        default_factory=dict,
    )
    max_epochs: float = setting(
        4.0, "refuse a group or a language of a group that the mix repeats more often than this", minimum=0.0
    )
    allow_repeat: bool = setting(False, "allow repeating a group or language more than --max-epochs times")
    materialize: bool = setting(
        False,
        "write the mixed, globally shuffled token shards (default: only the Megatron blend, over views of the "
        "inputs' shards)",
    )
    seed: int = setting(1234, "seeds which documents a partial epoch takes and the global shuffle", minimum=0)
    shard_tokens: int = setting(
        1_000_000_000, "with --materialize, start a new shard once one holds this many tokens", minimum=1
    )
    groups: dict = setting(
        help="group definitions, name -> {match: [clauses], temperature, language_caps} (a [mix.groups] "
        "table in --config; see pipeline/mix/README.md)",
        metavar="JSON",
        default_factory=lambda: {name: dict(value) for name, value in DEFAULT_GROUPS.items()},
    )

    def target_shares(self) -> dict[str, float]:
        return parse_target(self.target)

    def group_list(self) -> list[Group]:
        return parse_groups(self.groups, self.language_caps)

    def problems(self) -> list[str]:
        found = []
        try:
            shares = self.target_shares()
            groups = self.group_list()
        except ValueError as error:
            return [str(error)]
        names = [g.name for g in groups]
        unknown = [name for name in shares if name not in names]
        if unknown:
            found.append(
                f"--target names group(s) {', '.join(unknown)} that no group definition has "
                f"(groups: {', '.join(names)}; define more in [mix.groups] of --config or --groups)"
            )
        for language, cap in self.language_caps.items():
            if not isinstance(cap, int | float) or not 0 < cap <= 1:
                found.append(f"--language-caps: the cap of {language} must be a share in (0, 1], got {cap!r}")
        return found


def parse_target(text: str) -> dict[str, float]:
    """`code=0.6,math=0.1,text=0.3` -> {"code": 0.6, ...}, checked: every share in [0, 1], sum 1."""
    shares: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, equals, value = part.partition("=")
        name = name.strip()
        try:
            share = float(value)
        except ValueError:
            share = None
        if not equals or not name or share is None or not 0 <= share <= 1:
            raise ValueError(f"--target: '{part}' is not GROUP=SHARE with a share between 0 and 1")
        if name in shares:
            raise ValueError(f"--target names group {name} twice")
        shares[name] = share
    if not shares:
        raise ValueError("--target is empty: give GROUP=SHARE,... e.g. " + DEFAULT_TARGET)
    total = sum(shares.values())
    if abs(total - 1) > SHARE_TOLERANCE:
        raise ValueError(f"--target shares sum to {total:g}, not 1: change them so they add up (e.g. {DEFAULT_TARGET})")
    return shares


def parse_groups(definitions: dict, default_caps: dict | None = None) -> list[Group]:
    """The group definitions of --groups / [mix.groups], checked, in their order."""
    if not isinstance(definitions, dict) or not definitions:
        raise ValueError("--groups: expected a table of group name -> definition")
    groups = []
    for name, definition in definitions.items():
        where = f"group {name}"
        if isinstance(definition, list):
            definition = {"match": definition}
        if not isinstance(definition, dict):
            raise ValueError(f"{where}: expected a table with `match` (a list of clauses), got {definition!r}")
        unknown = sorted(set(definition) - set(GROUP_KEYS))
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(GROUP_KEYS)}")
        clauses = definition.get("match")
        if not isinstance(clauses, list) or not clauses:
            raise ValueError(f'{where}: `match` must be a non-empty list of clauses like {{source = "github"}}')
        match = []
        for clause in clauses:
            if not isinstance(clause, dict):
                raise ValueError(f"{where}: a clause must be a table of field = value(s), got {clause!r}")
            fields = {}
            for field_name, values in clause.items():
                if field_name not in MATCH_FIELDS:
                    raise ValueError(f"{where}: cannot match on {field_name}; fields: {', '.join(MATCH_FIELDS)}")
                values = [values] if isinstance(values, str) else values
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    raise ValueError(f"{where}: {field_name} must be a string or a list of strings")
                fields[field_name] = frozenset(values)
            match.append(fields)
        temperature = definition.get("temperature")
        if temperature is not None and (not isinstance(temperature, int | float) or temperature <= 0):
            raise ValueError(f"{where}: temperature must be a positive number, got {temperature!r}")
        caps = definition.get("language_caps")
        if caps is not None and (
            not isinstance(caps, dict) or not all(isinstance(c, int | float) and 0 < c <= 1 for c in caps.values())
        ):
            raise ValueError(f"{where}: language_caps must map languages to shares in (0, 1]")
        merged_caps = {**(default_caps or {}), **(caps or {})}
        groups.append(
            Group(
                name=str(name),
                match=tuple(match),
                temperature=float(temperature) if temperature is not None else None,
                language_caps=merged_caps or None,
            )
        )
    return groups
