"""Where the optional Megatron interop tests find megatron-core."""

import importlib.util
import os
import sys


def megatron_python() -> str | None:
    """The interpreter that has megatron-core: MEGATRON_PYTHON, else this one if it imports it, else None."""
    if os.environ.get("MEGATRON_PYTHON"):
        return os.environ["MEGATRON_PYTHON"]
    if importlib.util.find_spec("megatron") is not None:
        return sys.executable
    return None
