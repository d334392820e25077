"""The settings of one dedup run, shared by the Spark job, the reference run and the index."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pipeline.dedup.lsh import optimal_bands
from pipeline.dedup.policy import DEFAULT_POLICY

SCHEME = "affine32"  # datasketch 2.0's permutation scheme (see minhash.py)
TOKENIZER = "identifier-bytes-v1"  # shingles.py; bump when tokens or shingle hashes change


@dataclass(frozen=True)
class DedupParams:
    threshold: float = 0.7
    num_perm: int = 256
    ngram: int = 5
    seed: int = 1
    bands: int = 0  # 0: datasketch's optimal (bands, rows) for threshold and num_perm
    rows: int = 0
    verify: bool = True
    max_bucket: int = 1000  # star edges for this many members of a bucket; a chain links the rest
    # Weight of false negatives in datasketch's (bands, rows) optimisation; 0 = auto: 0.95 with
    # verify (exact Jaccard removes the extra false positives, so favour recall), 0.5 without.
    false_negative_weight: float = 0.0
    keep_policy: str = DEFAULT_POLICY

    def problems(self) -> list[str]:
        """What is out of range, as flag names a user can fix."""
        found = []
        if not 0.0 < self.threshold <= 1.0:
            found.append("--threshold must be in (0, 1]")
        for flag, value in (("--num-perm", self.num_perm), ("--ngram", self.ngram), ("--max-bucket", self.max_bucket)):
            if value < 1:
                found.append(f"{flag} must be at least 1")
        if self.bands < 0 or self.rows < 0 or bool(self.bands) != bool(self.rows):
            found.append("--bands and --rows go together and must be positive (or both 0 for the optimum)")
        elif self.bands * self.rows > self.num_perm:
            found.append(f"--bands x --rows ({self.bands * self.rows}) exceeds --num-perm ({self.num_perm})")
        if not 0.0 <= self.false_negative_weight <= 1.0:
            found.append("--false-negative-weight must be in [0, 1]")
        return found

    def banding(self) -> tuple[int, int]:
        if self.bands and self.rows:
            return self.bands, self.rows
        weight = self.false_negative_weight or (0.95 if self.verify else 0.5)
        return optimal_bands(self.threshold, self.num_perm, weight)

    def index_signature(self) -> dict:
        """What must match for band hashes of two runs to be comparable."""
        bands, rows = self.banding()
        return {
            "num_perm": self.num_perm,
            "ngram": self.ngram,
            "seed": self.seed,
            "bands": bands,
            "rows": rows,
            "scheme": SCHEME,
            "tokenizer": TOKENIZER,
        }

    def as_dict(self) -> dict:
        return asdict(self)
