"""Train a fastText classifier on labelled token lines and score lines with it.

Training runs on the driver from a bounded sample; a model travels to the executors as bytes.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass

import numpy as np

from pipeline.stage import derived, setting

TRAINING = "fastText training"

LABEL_PREFIX = "__label__"


@dataclass(frozen=True)
class TrainSettings:
    """fastText settings: the facts file's values as defaults, plus how to size training to the data.

    fastText averages a line's token vectors, so one update moves each token of a long page by
    lr / tokens, and the learning rate decays to zero over `epoch x lines`. The paper's 3 epochs
    over 1M pages are millions of updates; over a few hundred seed pages they are a few thousand
    tiny ones, and every score stays at the prior. Sizing rule: train on chunks of `chunk_tokens`
    tokens (more, larger updates; scoring still reads whole pages), and run at least `epoch` epochs
    and enough epochs for `min_updates` line updates in all (at most `max_epoch`). At the paper's
    scale this is the paper's setting. Hash buckets for word n-grams are sized to the data too
    (2M x 256 floats are 2 GB to broadcast, for a sample that would fill 1% of them).
    """

    dim: int = setting(256, "fastText vector size", minimum=1, group=TRAINING)
    lr: float = setting(0.1, "fastText learning rate", minimum=0.0, group=TRAINING)
    word_ngrams: int = setting(3, "fastText word n-grams", minimum=1, group=TRAINING)
    min_count: int = setting(3, "fastText minimum token count", minimum=1, group=TRAINING)
    epoch: int = setting(3, "minimum epochs (more on small seeds)", minimum=1, group=TRAINING)
    chunk_tokens: int = setting(64, "training line length; 0: whole pages", minimum=0, group=TRAINING)
    min_updates: int = setting(20_000, "line updates training must reach", minimum=0, group=TRAINING)
    max_epoch: int = setting(50, "most epochs", minimum=1, group=TRAINING)
    max_bucket: int = setting(2_000_000, "most hash buckets for word n-grams", minimum=1, group=TRAINING)
    threads: int = setting(2, "fastText training threads", minimum=1, fingerprint=False, group=TRAINING)
    seed: int = derived("the recall stage's --seed", default=0)

    def replace(self, **changes) -> TrainSettings:
        return dataclasses.replace(self, **changes)


def epochs_for(settings: TrainSettings, lines: int) -> int:
    wanted = math.ceil(settings.min_updates / max(lines, 1))
    return max(settings.epoch, min(settings.max_epoch, wanted))


def bucket_for(settings: TrainSettings, tokens: int) -> int:
    """Hash buckets for word n-grams: one per 4 training tokens, within [10K, max_bucket]."""
    return int(min(settings.max_bucket, max(10_000, tokens // 4)))


def chunked(examples: list[tuple[str, str]], chunk_tokens: int) -> list[tuple[str, str]]:
    """Split each (label, token line) into lines of `chunk_tokens` to `2 x chunk_tokens` tokens (the
    tail joins the last chunk: lines of one or two tokens make fastText diverge)."""
    if chunk_tokens <= 0:
        return examples
    out = []
    for label, line in examples:
        tokens = line.split(" ")
        starts = list(range(0, max(len(tokens) - chunk_tokens, 0) + 1, chunk_tokens))
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(tokens)
            out.append((label, " ".join(tokens[start:end])))
    return out


@dataclass
class TrainedModel:
    data: bytes
    labels: tuple[str, ...]
    epochs: int
    bucket: int
    documents: int
    lines: int
    tokens: int
    lr: float

    def info(self) -> dict:
        return {
            "labels": list(self.labels),
            "epochs": self.epochs,
            "bucket": self.bucket,
            "lr": self.lr,
            "documents": self.documents,
            "lines": self.lines,
            "tokens": self.tokens,
            "bytes": len(self.data),
        }


def train(examples: list[tuple[str, str]], settings: TrainSettings) -> TrainedModel:
    """Train on (label, token line) pairs; returns the saved model's bytes."""
    trained, _ = _train(examples, settings)
    return trained


def train_and_predict(
    examples: list[tuple[str, str]], settings: TrainSettings, lines: list[str]
) -> tuple[tuple[str, ...], np.ndarray]:
    """Train as `train` does and score `lines` with the model in the training process, which never
    saves it: the negatives' judge needs only its probabilities, and a model of 500K buckets is
    130 MB to write, read back and load. Returns the labels and `predict`'s probabilities."""
    trained, probs = _train(examples, settings, lines)
    return trained.labels, probs


def _train(
    examples: list[tuple[str, str]], settings: TrainSettings, lines: list[str] | None = None
) -> tuple[TrainedModel, np.ndarray | None]:
    """The model's bytes, or (with `lines`) no model and the lines' probabilities."""
    labels = tuple(sorted({label for label, _ in examples}))
    if len(labels) < 2:
        raise ValueError("training needs examples of at least two labels")
    if lines is not None and any("\n" in line for line in lines):
        raise ValueError("a line to predict holds a newline")
    documents = len(examples)
    examples = chunked(examples, settings.chunk_tokens)
    tokens = sum(line.count(" ") + 1 for _, line in examples)
    epochs, bucket = epochs_for(settings, len(examples)), bucket_for(settings, tokens)
    with tempfile.TemporaryDirectory(prefix="recall-train-") as tmp:
        paths = {name: os.path.join(tmp, name) for name in ("train.txt", "model.bin", "lines.txt", "probs.npy")}
        with open(paths["train.txt"], "w", encoding="utf-8") as handle:
            for label, line in examples:
                handle.write(f"{LABEL_PREFIX}{label} {line}\n")
        if lines is not None:
            with open(paths["lines.txt"], "w", encoding="utf-8") as handle:
                handle.write("\n".join(lines))
        options = dict(
            dim=settings.dim,
            wordNgrams=settings.word_ngrams,
            minCount=settings.min_count,
            epoch=epochs,
            bucket=bucket,
            thread=settings.threads,
            loss="softmax",
            verbose=0,
        )
        # A second train_supervised in one process can fail with "Encountered NaN" on data the first
        # call trains on fine (fasttext-numpy2 0.10.4 keeps state between calls): each training runs
        # in a fresh interpreter (`python -m pipeline.recall.model`, not multiprocessing, which would
        # re-import the caller's unguarded __main__).
        job = {
            "data": paths["train.txt"],
            "model": paths["model.bin"] if lines is None else None,
            "lines": paths["lines.txt"] if lines is not None else None,
            "count": len(lines or ()),
            "probs": paths["probs.npy"],
            "labels": labels,
            "options": options,
            "lr": settings.lr,
            "seed": settings.seed,
        }
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.recall.model", json.dumps(job)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"fastText training failed: {done.stderr.strip()[-2000:]}")
        lr = float(done.stdout.strip().splitlines()[-1])
        if lines is None:
            with open(paths["model.bin"], "rb") as handle:
                data, probs = handle.read(), None
        else:
            data, probs = b"", np.load(paths["probs.npy"])
    return TrainedModel(data, labels, epochs, bucket, documents, len(examples), tokens, lr), probs


def _train_file(data_path: str, options: dict, lr: float, seed: int):
    """Train; on divergence retry from another seed, more gently. Returns the model and the lr used."""
    import fasttext

    for attempt in range(4):
        try:
            return fasttext.train_supervised(input=data_path, lr=lr, seed=seed + attempt, **options), lr
        except RuntimeError as error:
            if "NaN" not in str(error) or attempt == 3:
                raise
            lr *= 0.7
    raise AssertionError("unreachable")


def _training_job(job: dict) -> float:
    """The training subprocess: train, then save the model and/or score the lines with it."""
    model, lr = _train_file(job["data"], job["options"], job["lr"], job["seed"])
    if job["model"]:
        model.save_model(job["model"])
    if job["lines"]:
        with open(job["lines"], encoding="utf-8") as handle:
            text = handle.read()
        lines = text.split("\n") if job["count"] else []
        np.save(job["probs"], _probabilities(model, lines, tuple(job["labels"])))
    return lr


@functools.lru_cache(maxsize=4)
def load(data: bytes):
    """A fastText model from its bytes, cached per process: executors reuse it across batches (a
    bytes object caches its hash, and a dict lookup tries identity first, so a hit costs nothing)."""
    import fasttext

    with tempfile.NamedTemporaryFile(prefix="recall-model-", suffix=".bin") as handle:
        handle.write(data)
        handle.flush()
        return fasttext.load_model(handle.name)


def predict(data: bytes, lines: list[str], labels: tuple[str, ...]) -> np.ndarray:
    """Probabilities, one row per line and one column per label (in the order of `labels`)."""
    return _probabilities(load(data), lines, labels)


def _probabilities(model, lines: list[str], labels: tuple[str, ...]) -> np.ndarray:
    column = {f"{LABEL_PREFIX}{label}": i for i, label in enumerate(labels)}
    probs = np.zeros((len(lines), len(labels)), dtype=np.float64)
    if not lines:
        return probs
    predicted_labels, predicted_probs = model.predict(lines, k=-1)
    for row, (names, values) in enumerate(zip(predicted_labels, predicted_probs, strict=False)):
        for name, value in zip(names, values, strict=False):
            probs[row, column[name]] = value
    return np.clip(probs, 0.0, 1.0)


if __name__ == "__main__":  # the training subprocess of `train` and `train_and_predict`
    print(_training_job(json.loads(sys.argv[1])))
