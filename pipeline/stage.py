"""The stage contract: settings declared once, as a dataclass.

A stage is two things (see pipeline/README.md for a worked example):

1. **A settings dataclass**, frozen, every field declared with `setting(default, help, ...)`. It is the
   one source of the stage's command-line flags (`max_file_bytes` -> `--max-file-bytes`), of the keys of
   its `[stage]` table in a `--config` TOML file (the field names), of the range checks, and of the
   settings recorded in the manifest and fingerprinted for reruns (unless `fingerprint=False`: where
   data goes or how fast, not what the result is). A field whose type is itself a settings dataclass is
   flattened: its fields are flags of the stage.
2. **A function over Arrow batches**, `fn(batches: Iterator[pa.RecordBatch], settings) ->
   Iterator[pa.RecordBatch]`, whose output rows carry a `reason` column (null: kept; else the first rule
   that rejected the row). Work over the whole dataset (dedup, recall, repository samples) is a small
   set of functions with a single-process implementation and a Spark one beside it.

`jobs/runner.py` turns a `Stage` declaration (name, settings class, run) into `corpus <stage>` and
`spark-submit jobs/<stage>.py`: it parses, checks, reads, runs, splits kept/rejects, writes and
fingerprints. Nothing here imports Spark.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

from pipeline.config import UsageError


def setting(
    default: Any = dataclasses.MISSING,
    help: str = "",  # noqa: A002 - the word argparse uses
    *,
    choices: tuple | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    fingerprint: bool = True,
    group: str | None = None,
    metavar: str | tuple[str, ...] | None = None,
    exclusive: str | None = None,
    default_factory: Callable | None = None,
):
    """A settings field. `minimum`/`maximum` are inclusive; `exclusive` names a set of fields of which at
    most one may be given; `fingerprint=False` for fields that do not change the result."""
    if not help:
        raise TypeError("every setting needs a help text")
    metadata = {
        "help": help,
        "choices": choices,
        "minimum": minimum,
        "maximum": maximum,
        "fingerprint": fingerprint,
        "group": group,
        "metavar": metavar,
        "exclusive": exclusive,
    }
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def derived(why: str, default: Any = None):
    """A field the job fills in (a digest, a count), not a flag: `why` says where it comes from."""
    return dataclasses.field(default=default, metadata={"derived": why})


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _unwrap_optional(kind) -> tuple[Any, bool]:
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return kind, False


def is_settings(kind) -> bool:
    return isinstance(kind, type) and dataclasses.is_dataclass(kind)


def leaf_fields(cls) -> Iterator[tuple[dataclasses.Field, Any]]:
    """(field, type) of every flag of `cls`, nested settings flattened, in declaration order."""
    hints = typing.get_type_hints(cls)
    for spec in dataclasses.fields(cls):
        kind = hints[spec.name]
        if "derived" in spec.metadata:
            continue
        if is_settings(kind):
            yield from leaf_fields(kind)
        elif "help" in spec.metadata:
            yield spec, kind
        elif spec.init:
            raise TypeError(f"{cls.__name__}.{spec.name}: declare it with pipeline.stage.setting(...)")


def _default(spec: dataclasses.Field):
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return None


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def add_arguments(parser: argparse.ArgumentParser, cls) -> None:
    """One flag per leaf field of `cls`; fields with a `group` are listed under that heading."""
    groups: dict[str, Any] = {}
    for spec, kind in leaf_fields(cls):
        meta = spec.metadata
        target = parser
        if meta["group"]:
            target = groups.get(meta["group"]) or groups.setdefault(
                meta["group"], parser.add_argument_group(meta["group"])
            )
        default = _default(spec)
        shown = "" if default in (None, "", (), {}) else f" (default {_show(default)})"
        help_text = (meta["help"] + shown).replace("%", "%%")  # argparse formats help with %
        options: dict[str, Any] = {"dest": spec.name, "default": default, "help": help_text}
        base, _ = _unwrap_optional(kind)
        origin = typing.get_origin(base) or base
        if base is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif origin in (tuple, list):
            items = typing.get_args(base) or (str,)
            fixed = origin is tuple and Ellipsis not in items and len(items) > 1
            options.update(nargs=len(items) if fixed else "*", type=items[0])
        elif origin is dict:
            options.update(type=_json_object, metavar=meta["metavar"] or "JSON")
        else:
            options["type"] = base
        if meta["choices"]:
            options["choices"] = meta["choices"]
        if meta["metavar"] and "metavar" not in options:
            options["metavar"] = meta["metavar"]
        target.add_argument(flag(spec.name), **options)


def _show(value) -> str:
    if isinstance(value, tuple | list):
        return " ".join(str(v) for v in value)
    return str(value)


def from_values(cls, values: dict[str, Any]):
    """An instance of `cls` from flat values (parsed flags or TOML keys), checked. Missing keys keep
    their defaults."""
    hints = typing.get_type_hints(cls)
    built = {}
    for spec in dataclasses.fields(cls):
        kind = hints[spec.name]
        if is_settings(kind) and "derived" not in spec.metadata:
            built[spec.name] = from_values(kind, values)
        elif spec.name in values and "help" in spec.metadata:
            built[spec.name] = _coerce(spec, kind, values[spec.name])
    settings = cls(**built)
    check(settings)
    return settings


def _coerce(spec: dataclasses.Field, kind, value):
    base, optional = _unwrap_optional(kind)
    origin = typing.get_origin(base) or base
    if value is None:
        if optional or _default(spec) is None:
            return None
        raise UsageError(f"{flag(spec.name)}: a value is required")
    if origin in (tuple, list):
        if isinstance(value, str):
            value = [value]
        return tuple(value) if origin is tuple else list(value)
    if base is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if base in (int, float, str, bool) and not isinstance(value, base):
        raise UsageError(f"{flag(spec.name)}: expected {base.__name__}, got {value!r}")
    return value


def check(settings) -> None:
    """Range, choice and exclusivity checks of every leaf field; a mistake is a UsageError."""
    values = flat_values(settings)
    given_in_set: dict[str, list[str]] = {}
    for spec, _ in leaf_fields(type(settings)):
        meta, value = spec.metadata, values[spec.name]
        if value is None:
            continue
        if meta["exclusive"] and value != _default(spec):
            given_in_set.setdefault(meta["exclusive"], []).append(flag(spec.name))
        items = value if isinstance(value, tuple | list) else [value]
        for item in items:
            if meta["choices"] and item not in meta["choices"]:
                known = ", ".join(map(str, meta["choices"]))
                raise UsageError(f"{flag(spec.name)} must be one of {known}, got {item!r}")
            if not isinstance(item, int | float) or isinstance(item, bool):
                continue
            low, high = meta["minimum"], meta["maximum"]
            if (low is not None and item < low) or (high is not None and item > high):
                raise UsageError(f"{flag(spec.name)} must be {_range(low, high)}, got {item}")
    for names in given_in_set.values():
        if len(names) > 1:
            raise UsageError(f"give at most one of {', '.join(names)}")
    problems = [p for part in _parts(settings) if hasattr(part, "problems") for p in part.problems()]
    if problems:  # rules across fields (`--bands` needs `--rows`...)
        raise UsageError("; ".join(problems))


def _parts(settings) -> Iterator:
    """`settings` and every settings object nested in it."""
    yield settings
    for spec in dataclasses.fields(settings):
        value = getattr(settings, spec.name)
        if is_settings(type(value)) and not spec.metadata:
            yield from _parts(value)


def _range(low, high) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f">= {low}" if low is not None else f"<= {high}"


def flat_values(settings) -> dict[str, Any]:
    """Leaf field name -> value (nested settings flattened)."""
    values = {}
    for spec in dataclasses.fields(settings):
        value = getattr(settings, spec.name)
        if is_settings(type(value)) and not spec.metadata:
            values.update(flat_values(value))
        else:
            values[spec.name] = value
    return values


def fingerprint(settings) -> dict[str, Any]:
    """The settings that determine a stage's result, JSON-ready, sorted by name."""
    fields = {spec.name: spec for spec, _ in leaf_fields(type(settings))}
    values = flat_values(settings)
    chosen = {name: values[name] for name in sorted(fields) if fields[name].metadata["fingerprint"]}
    return json.loads(json.dumps(chosen, default=list))


def names(cls) -> list[str]:
    """Every leaf field name: the keys a `[stage]` TOML table may hold."""
    return [spec.name for spec, _ in leaf_fields(cls)]
