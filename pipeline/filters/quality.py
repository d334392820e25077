"""The quality model and the `low_quality` rule that reads its score.

Two parts, stacked. A fastText classifier over the file's code tokens (identifiers, numbers, single
punctuation characters of its first HEAD_CHARS and last TAIL_CHARS characters), as the recall stage
does for pages; and a logistic regression over its screening signals (`signal_vector`: bucketed
syntax error fraction, parse outcome, comments, functions, nesting, identifier length, duplicated
lines, how the file ends, and parse outcome x language) plus the fastText part's logit. The
regression is fitted on out-of-fold fastText logits (two folds, by the caller's keys), then the
fastText part is retrained on everything. `quality_score` is the probability of the `good` label.
`stack = False` keeps the fastText part alone.

A model file is MAGIC, one JSON header line (format, labels, feature settings, regression weights,
payload size and sha256, training figures), then fastText's binary model. A file that is missing,
not a model, or damaged is a UsageError that names it (`corpus ...` prints one line and exits 2).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from pipeline.config import UsageError
from pipeline.filters import syntax
from pipeline.filters.base import FILE, BatchView, Rule
from pipeline.stage import setting

MAGIC = b"CORPUS-QUALITY-MODEL\n"
FORMAT = 1
GOOD, BAD = "good", "bad"
LABEL_PREFIX = "__label__"
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[^\sA-Za-z0-9_]")

SIGNALS = [pa.field("quality_score", pa.float64())]


@dataclass(frozen=True)
class FeatureSettings:
    head_chars: int = 16_000
    tail_chars: int = 4_000


TRAINING = "quality model training (fastText + logistic regression)"


@dataclass(frozen=True)
class TrainSettings:
    dim: int = setting(32, "fastText vector size", minimum=1, group=TRAINING)
    epoch: int = setting(10, "fastText epochs", minimum=1, group=TRAINING)
    lr: float = setting(0.3, "fastText learning rate", minimum=0.0, group=TRAINING)
    word_ngrams: int = setting(2, "fastText word n-grams", minimum=1, group=TRAINING)
    min_count: int = setting(3, "fastText minimum token count", minimum=1, group=TRAINING)
    bucket: int = setting(200_000, "fastText hash buckets for word n-grams", minimum=1, group=TRAINING)
    threads: int = setting(2, "fastText training threads", minimum=1, group=TRAINING)
    seed: int = setting(0, "random seed (fastText and the held-out split)", group=TRAINING)
    stack: bool = setting(True, "add the regression over the screening signals (--no-stack: fastText alone)")
    l2: float = setting(1.0, "L2 penalty of the regression", minimum=0.0, group=TRAINING)


# ---- features ------------------------------------------------------------------------------------

SIGNAL_BUCKETS = {  # signal -> upper edges of its buckets (one bucket more than edges, + one for null)
    "syntax_error_fraction": (0.0, 0.001, 0.01, 0.1, 0.5),
    "comment_fraction": (0.0, 0.02, 0.05, 0.1, 0.2, 0.4),
    "functions": (0, 1, 5, 20, 100),
    "max_function_lines": (10, 30, 100, 300),
    "max_nesting_depth": (0, 1, 2, 3, 4, 6, 8),
    "mean_identifier_length": (2, 3, 4, 6, 8, 12),
    "duplicate_line_fraction": (0.0, 0.05, 0.1, 0.2, 0.4),
    "syntax_errors": (0, 1, 3, 10),
}
FLAGS = ("parsed", "doc_comment")  # true / false / null
ENDINGS = ("}", ")", "]", ";", ">", "word", "quote", "other", "empty")  # last non-space character
CROSS_BUCKETS = 256  # language x (parse outcome, error bucket), hashed
SIGNAL_DIMS = sum(len(e) + 2 for e in SIGNAL_BUCKETS.values()) + 3 * len(FLAGS) + len(ENDINGS) + 1 + CROSS_BUCKETS


def _bucket(value, edges: tuple) -> int:
    """0 for null, else 1 + the first bucket whose upper edge is >= value."""
    if value is None or value != value:
        return 0
    for index, edge in enumerate(edges):
        if value <= edge:
            return index + 1
    return len(edges) + 1


def _ending(text: str) -> str:
    tail = text.rstrip()
    if not tail:
        return "empty"
    last = tail[-1]
    if last in "})];>":
        return last
    if last.isalnum() or last == "_":
        return "word"
    return "quote" if last in "'\"`" else "other"


def _cross(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big") % CROSS_BUCKETS


def signal_vector(text: str, language: str | None, signals: dict) -> np.ndarray:
    """The regression's inputs: one-hot buckets of each signal, how the file ends, and the parse
    outcome crossed with the language (`signals`: column name -> this row's value)."""
    vector = np.zeros(SIGNAL_DIMS, dtype=np.float64)
    at = 0
    for name, edges in SIGNAL_BUCKETS.items():
        vector[at + _bucket(signals.get(name), edges)] = 1.0
        at += len(edges) + 2
    for name in FLAGS:
        value = signals.get(name)
        vector[at + (0 if value is None else 1 + int(bool(value)))] = 1.0
        at += 3
    vector[at + ENDINGS.index(_ending(text))] = 1.0
    at += len(ENDINGS)
    vector[at] = float(text.endswith("\n"))
    at += 1
    lang = (language or "").lower()
    parsed = signals.get("parsed")
    error = _bucket(signals.get("syntax_error_fraction"), SIGNAL_BUCKETS["syntax_error_fraction"])
    vector[at + _cross(f"{lang}|parsed={parsed}")] += 1.0
    vector[at + _cross(f"{lang}|error={error}")] += 1.0
    return vector


def code_tokens(text: str, settings: FeatureSettings) -> list[str]:
    if len(text) > settings.head_chars + settings.tail_chars:
        text = text[: settings.head_chars] + "\n" + text[-settings.tail_chars :]
    # fastText reads a token starting with its label prefix as a label
    return [("x" + t if t.startswith("__") else t) for t in TOKEN.findall(text)]


def feature_line(text: str, settings: FeatureSettings) -> str:
    return " ".join(code_tokens(text, settings)) or "empty"


def feature_lines(texts: list, settings: FeatureSettings) -> list[str]:
    return [feature_line(text or "", settings) for text in texts]


def signal_matrix(texts: list, languages: list, signal_rows: list[dict]) -> np.ndarray:
    if not texts:
        return np.zeros((0, SIGNAL_DIMS))
    return np.stack(
        [signal_vector(t or "", lang, row) for t, lang, row in zip(texts, languages, signal_rows, strict=True)]
    )


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, iterations: int = 30) -> np.ndarray:
    """Weights (bias last) of an L2-penalised logistic regression, by Newton's method."""
    design = np.hstack([x, np.ones((len(x), 1))])
    weights = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = _sigmoid(design @ weights)
        gradient = design.T @ (p - y) + penalty * weights
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.max(np.abs(step)) < 1e-6:
            break
    return weights


# ---- the model file --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityModel:
    header: dict
    payload: bytes  # fastText's binary model

    @property
    def features(self) -> FeatureSettings:
        return FeatureSettings(**self.header.get("features", {}))

    def to_bytes(self) -> bytes:
        header = {**self.header, "payload_bytes": len(self.payload), "sha256": hashlib.sha256(self.payload).hexdigest()}
        return MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + self.payload

    def save(self, path: str) -> None:
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".model-", delete=False) as handle:
            handle.write(self.to_bytes())
        os.replace(handle.name, path)

    def score_lines(self, lines: list[str]) -> np.ndarray:
        """The fastText part's P(good) of each feature line."""
        if not lines:
            return np.zeros(0)
        labels, probs = _fasttext(self.payload).predict(lines, k=-1)
        good = LABEL_PREFIX + GOOD
        return np.array(
            [
                dict(zip(names, values, strict=False)).get(good, 0.0)
                for names, values in zip(labels, probs, strict=True)
            ],
            dtype=np.float64,
        ).clip(0.0, 1.0)

    def score(self, texts: list, languages: list, signal_rows: list[dict]) -> np.ndarray:
        """P(good) of each file (`signal_rows`: its screening signals, column name -> value)."""
        tokens_only = self.score_lines(feature_lines(texts, self.features))
        stack = self.header.get("stack")
        if not stack or not len(tokens_only):
            return tokens_only
        x = np.hstack([signal_matrix(texts, languages, signal_rows), _logit(tokens_only)[:, None]])
        weights = np.asarray(stack["weights"], dtype=np.float64)
        return _sigmoid(x @ weights[:-1] + weights[-1])

    def with_figures(self, figures: dict) -> QualityModel:
        return QualityModel({**self.header, "training": figures}, self.payload)


def parse_model(data: bytes, where: str) -> QualityModel:
    if not data.startswith(MAGIC):
        raise UsageError(f"{where}: not a quality model (`corpus quality train` writes one)")
    header_end = data.find(b"\n", len(MAGIC))
    try:
        header = json.loads(data[len(MAGIC) : header_end])
    except (ValueError, UnicodeDecodeError):
        raise UsageError(f"{where}: damaged quality model (unreadable header)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise UsageError(f"{where}: quality model format {header.get('format')!r}, expected {FORMAT}")
    payload = data[header_end + 1 :]
    if len(payload) != header.get("payload_bytes") or hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise UsageError(f"{where}: damaged quality model (size or checksum does not match; truncated?)")
    stack = header.get("stack")
    if stack and (stack.get("signal_dims") != SIGNAL_DIMS or len(stack.get("weights", ())) != SIGNAL_DIMS + 2):
        raise UsageError(f"{where}: quality model made for other signals (retrain it with `corpus quality train`)")
    model = QualityModel(header, payload)
    try:
        model.score_lines(["x"])
    except Exception as error:
        raise UsageError(f"{where}: damaged quality model (fastText: {error})") from None
    return model


def load_model(path: str) -> QualityModel:
    """The model at `path` (local or s3://); a UsageError naming the file when it cannot be used."""
    from pipeline.io import storage

    try:
        fs, inner = storage.filesystem(path)
        with fs.open_input_stream(inner) as handle:
            data = handle.read()
    except FileNotFoundError:
        raise UsageError(f"quality model not found: {path}") from None
    except OSError as error:
        raise UsageError(f"quality model {path}: {error}") from None
    return parse_model(data, path)


@functools.lru_cache(maxsize=4)
def _fasttext(payload: bytes):
    """fastText's model from its bytes, once per process (executors reuse it across batches)."""
    import fasttext

    with tempfile.NamedTemporaryFile(prefix="quality-model-", suffix=".bin") as handle:
        handle.write(payload)
        handle.flush()
        return fasttext.load_model(handle.name)


# ---- training ------------------------------------------------------------------------------------


def train(lines: list[str], labels: list[str], settings: TrainSettings) -> bytes:
    """fastText's model bytes, trained on (feature line, label) pairs in a fresh interpreter (a second
    train_supervised in one process can fail with "Encountered NaN": fasttext-numpy2 0.10.4 keeps state)."""
    if len(set(labels)) < 2:
        raise UsageError("training needs files of both labels")
    with tempfile.TemporaryDirectory(prefix="quality-train-") as tmp:
        data_path, model_path = os.path.join(tmp, "train.txt"), os.path.join(tmp, "model.bin")
        with open(data_path, "w", encoding="utf-8") as handle:
            for line, label in zip(lines, labels, strict=True):
                handle.write(f"{LABEL_PREFIX}{label} {line}\n")
        options = {
            "dim": settings.dim,
            "epoch": settings.epoch,
            "lr": settings.lr,
            "wordNgrams": settings.word_ngrams,
            "minCount": settings.min_count,
            "bucket": settings.bucket,
            "thread": settings.threads,
            "seed": settings.seed,
            "loss": "softmax",
            "verbose": 0,
        }
        job = json.dumps({"data": data_path, "model": model_path, "options": options})
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.filters.quality", job], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"fastText training failed: {done.stderr.strip()[-2000:]}")
        with open(model_path, "rb") as handle:
            return handle.read()


def _train_file(data_path: str, model_path: str, options: dict) -> None:
    import fasttext

    lr = options.pop("lr")
    for attempt in range(4):  # on divergence retry more gently
        try:
            fasttext.train_supervised(input=data_path, lr=lr, **options).save_model(model_path)
            return
        except RuntimeError as error:
            if "NaN" not in str(error) or attempt == 3:
                raise
            lr *= 0.5
            options["seed"] += 1


def fit(
    texts: list, languages: list, signal_rows: list[dict], labels: list[str], folds: np.ndarray, settings: TrainSettings
) -> QualityModel:
    """Train the model. `folds` (booleans) splits the files in two for the out-of-fold fastText logits
    the regression is fitted on (keep the copies of one file, or one repository, in one fold)."""
    features = FeatureSettings()
    lines = feature_lines(texts, features)
    header = {
        "format": FORMAT,
        "labels": [GOOD, BAD],
        "features": dataclasses.asdict(features),
        "settings": dataclasses.asdict(settings),
    }
    model = QualityModel(header, train(lines, labels, settings))
    if not settings.stack:
        return model
    labels_array = np.array(labels)
    out_of_fold = np.full(len(lines), 0.5)
    for fold in (False, True):
        part = np.asarray(folds) == fold
        rest = np.flatnonzero(~part)
        if part.any() and len(set(labels_array[rest])) == 2:
            half = QualityModel(header, train([lines[i] for i in rest], list(labels_array[rest]), settings))
            out_of_fold[part] = half.score_lines([lines[i] for i in np.flatnonzero(part)])
    x = np.hstack([signal_matrix(texts, languages, signal_rows), _logit(out_of_fold)[:, None]])
    weights = fit_logistic(x, (labels_array == GOOD).astype(np.float64), settings.l2)
    stacked = {**header, "stack": {"weights": weights.tolist(), "signal_dims": SIGNAL_DIMS}}
    return QualityModel(stacked, model.payload)


# ---- the filter family -----------------------------------------------------------------------------


def compute(view: BatchView, todo: np.ndarray, signals: dict) -> dict:
    scores: list[float | None] = [None] * view.num_rows
    model = view.quality_model
    rows = np.flatnonzero(todo & ~view.is_page)
    if model is None or not len(rows):
        return {"quality_score": scores}
    raw = view.content_bytes.take(pa.array(rows, pa.int64())).to_pylist()
    texts = [(t or b"").decode("utf-8", "replace") for t in raw]  # invalid UTF-8 is not parsed, but scored
    languages = [view.languages[row] for row in rows]
    names = [f.name for f in syntax.SIGNALS]
    signal_rows = [{name: signals[name][row] for name in names if name in signals} for row in rows]
    values = model.score(texts, languages, signal_rows)
    for row, value in zip(rows.tolist(), values.tolist(), strict=True):
        scores[row] = round(value, 4)
    return {"quality_score": scores}


def _low_quality(view: BatchView, s: dict) -> np.ndarray:
    if view.settings.min_quality is None:
        return np.zeros(view.num_rows, dtype=bool)
    scores = np.array([np.inf if v is None else v for v in s["quality_score"]], dtype=np.float64)
    return scores < view.settings.min_quality


LOW_QUALITY = Rule("low_quality", FILE, _low_quality, detail="quality_score")


if __name__ == "__main__":  # the training subprocess of `train`
    _job = json.loads(sys.argv[1])
    _train_file(_job["data"], _job["model"], _job["options"])
