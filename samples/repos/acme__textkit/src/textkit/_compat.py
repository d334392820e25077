"""Compatibility shims for older Python versions."""

import sys

PY310 = sys.version_info >= (3, 10)

if sys.version_info >= (3, 9):
    from functools import cache
else:  # pragma: no cover - Python 3.8
    from functools import lru_cache

    def cache(func):
        return lru_cache(maxsize=None)(func)


def removeprefix(text: str, prefix: str) -> str:
    """str.removeprefix for Python < 3.9."""
    if prefix and text.startswith(prefix):
        return text[len(prefix):]
    return text


def removesuffix(text: str, suffix: str) -> str:
    """str.removesuffix for Python < 3.9."""
    if suffix and text.endswith(suffix):
        return text[: -len(suffix)]
    return text


__all__ = ["PY310", "cache", "removeprefix", "removesuffix"]
