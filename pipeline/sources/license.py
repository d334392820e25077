"""Recognize a repository's licence from its LICENSE/COPYING file, as an SPDX id.

Key phrases, not full-text matching: enough to tell the licences that make up nearly all of GitHub.
"""

from __future__ import annotations

import re

LICENSE_FILE = re.compile(
    r"^(?:licen[cs]e|copying|unlicen[cs]e)(?:[-_.](?:md|txt|rst|mit|apache|bsd|gpl))?$", re.IGNORECASE
)

# Checked in order: more specific texts first (LGPL and AGPL mention the GPL).
SPDX_PHRASES: list[tuple[str, tuple[str, ...]]] = [
    ("AGPL-3.0", ("gnu affero general public license", "version 3")),
    ("LGPL-3.0", ("gnu lesser general public license", "version 3")),
    ("LGPL-2.1", ("gnu lesser general public license", "version 2.1")),
    ("GPL-3.0", ("gnu general public license", "version 3")),
    ("GPL-2.0", ("gnu general public license", "version 2")),
    ("Apache-2.0", ("apache license", "version 2.0")),
    ("MPL-2.0", ("mozilla public license", "2.0")),
    ("EPL-2.0", ("eclipse public license", "2.0")),
    ("BSL-1.0", ("boost software license",)),
    ("Unlicense", ("this is free and unencumbered software released into the public domain",)),
    ("CC0-1.0", ("cc0 1.0 universal",)),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms", "neither the name")),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms",)),
    ("MIT", ("permission is hereby granted, free of charge",)),
    ("ISC", ("permission to use, copy, modify, and/or distribute this software for any purpose",)),
    ("Zlib", ("this software is provided 'as-is'", "altered source versions must be plainly marked")),
]


def is_license_file(path: str) -> bool:
    return "/" not in path and bool(LICENSE_FILE.match(path))


def spdx_id(text: str) -> str | None:
    normalized = " ".join(text[:20_000].lower().split())
    for spdx, phrases in SPDX_PHRASES:
        if all(phrase in normalized for phrase in phrases):
            return spdx
    return None
