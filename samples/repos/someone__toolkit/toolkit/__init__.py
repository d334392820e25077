"""toolkit: everyday helpers for small scripts."""

from toolkit.files import atomic_write, read_lines
from toolkit.retry import retry
from toolkit.strings import camel_case, slugify, snake_case

__all__ = ["atomic_write", "camel_case", "read_lines", "retry", "slugify", "snake_case"]
__version__ = "2.0.0"
