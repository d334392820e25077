"""Makes the row builders of `filter_rows.py` importable by the filter tests (pytest's importlib mode
does not put test folders on sys.path)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
