"""What every command shares: the user-error type and TOML config files (defaults in code < --config
< flags; the `[stage]` tables are read by jobs/runner.py, the settings by pipeline/stage.py)."""

from __future__ import annotations

import tomllib


class UsageError(Exception):
    """A mistake in what the user asked for; printed as one line, without a traceback."""


def load_config(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: not valid TOML: {error}") from None
