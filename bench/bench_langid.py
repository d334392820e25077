"""Language ID: accuracy and cost of lid.176.ftz against how many characters of a page's text it reads
(pipeline.web.langid.MAX_CHARS), on human-translated text in many languages.

The texts are the translations in the gettext message catalogs of this machine (/usr/share/locale,
read at bench time, never stored in the repo): each text joins 20 translated messages of one
language, so its true language is known. It is UI text, shorter-sentenced than web prose.
Run: .venv/bin/python bench/bench_langid.py
"""

from __future__ import annotations

import gettext
import glob
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.web import langid  # noqa: E402

LOCALE_DIR = "/usr/share/locale"
MESSAGES_PER_TEXT = 20
TEXTS_PER_LANGUAGE = 20
MIN_MESSAGE_CHARS = 20
CHAR_LIMITS = (100, 150, 200, 300, 500, 1000, None)


def translated_texts(known_languages: set[str]) -> list[tuple[str, str]]:
    """(language, text) pairs: up to TEXTS_PER_LANGUAGE texts per language lid.176 knows (not English)."""
    messages = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(LOCALE_DIR, "*", "LC_MESSAGES", "*.mo"))):
        language = path.split(os.sep)[-3].split("_")[0].split("@")[0]
        if language not in known_languages or language == "en":
            continue
        if len(messages[language]) >= MESSAGES_PER_TEXT * TEXTS_PER_LANGUAGE * 4:
            continue
        try:
            with open(path, "rb") as handle:
                catalog = gettext.GNUTranslations(handle)._catalog
        except (OSError, LookupError, ValueError):  # a damaged or oddly encoded catalog
            continue
        messages[language] += [
            translated
            for source, translated in catalog.items()
            if isinstance(source, str)
            and source
            and isinstance(translated, str)
            and translated != source
            and len(translated) >= MIN_MESSAGE_CHARS
        ]
    texts = []
    for language, found in sorted(messages.items()):
        random.Random(language).shuffle(found)
        for start in range(0, min(len(found), MESSAGES_PER_TEXT * TEXTS_PER_LANGUAGE), MESSAGES_PER_TEXT):
            chunk = found[start : start + MESSAGES_PER_TEXT]
            if len(chunk) == MESSAGES_PER_TEXT:
                texts.append((language, " ".join(chunk)))
    return texts


def main() -> int:
    model = langid.load_model()
    known = {label.removeprefix("__label__") for label in model.get_labels()}
    texts = translated_texts(known)
    if not texts:
        print(f"no translated message catalogs under {LOCALE_DIR}: skipped")
        return 0
    languages = {language for language, _ in texts}
    print(
        f"lid.176.ftz on {len(texts)} translated texts in {len(languages)} languages "
        f"(gettext catalogs under {LOCALE_DIR}); the stage reads the first {langid.MAX_CHARS} characters"
    )
    for limit in CHAR_LIMITS:
        langid.MAX_CHARS = limit or 10**9
        seconds = float("inf")
        for _ in range(3):  # best of 3: CPU time on a shared machine
            started = time.process_time()
            found = [language for language, _ in langid.identify([text for _, text in texts], model)]
            seconds = min(seconds, time.process_time() - started)
        micros = seconds / len(texts) * 1e6
        right = sum(guess == language for guess, (language, _) in zip(found, texts, strict=True)) / len(texts)
        print(f"  first {limit or 'all':>5} characters: accuracy {right:.1%}, {micros:,.0f} us a text")
    return 0


if __name__ == "__main__":
    sys.exit(main())
