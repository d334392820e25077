"""Language rules: files without a detected language (`unknown_language`, configurable) and web pages
whose natural language (`nl_language`, set by ingest-cc) is outside the allow-list.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.filters.base import FILE, PAGE, BatchView, Rule, to_numpy

SIGNALS: list[pa.Field] = []  # both rules read input columns only


def compute(view: BatchView) -> dict:
    return {}


def _unknown_language(view: BatchView, s: dict) -> np.ndarray:
    if not view.settings.reject_unknown_language:
        return np.zeros(view.num_rows, dtype=bool)
    return np.array([not name for name in view.languages], dtype=bool)


def _not_allowed_nl_language(view: BatchView, s: dict) -> np.ndarray:
    allowed = view.settings.nl_languages
    if not (view.settings.check_nl_language and allowed):
        return np.zeros(view.num_rows, dtype=bool)
    codes = pc.utf8_lower(view.column("nl_language").cast(pa.string()))
    return ~to_numpy(pc.fill_null(pc.is_in(codes, pa.array(allowed, pa.string())), False))


UNKNOWN_LANGUAGE = Rule("unknown_language", FILE, _unknown_language)
NL_LANGUAGE = Rule("nl_language", PAGE, _not_allowed_nl_language)
