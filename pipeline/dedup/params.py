"""The settings of one dedup run, shared by the Spark job, the reference run and the index."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from pipeline.dedup.lsh import optimal_bands
from pipeline.dedup.policy import DEFAULT_POLICY
from pipeline.stage import setting

SCHEME = "affine32"  # datasketch 2.0's permutation scheme (see minhash.py)
TOKENIZER = "identifier-bytes-v1"  # shingles.py; bump when tokens or shingle hashes change


@dataclass(frozen=True)
class DedupParams:
    threshold: float = setting(0.7, "Jaccard similarity of near-duplicates")
    num_perm: int = setting(256, "MinHash permutations")
    ngram: int = setting(5, "tokens per shingle")
    seed: int = setting(1, "seed of the MinHash permutations")
    bands: int = setting(0, "LSH bands (0: datasketch's optimal bands x rows for threshold and num_perm)")
    rows: int = setting(0, "LSH rows per band (0: datasketch's optimum)")
    verify: bool = setting(True, "keep a candidate pair only if its exact Jaccard >= threshold")
    max_bucket: int = setting(
        1000, "star edges to the smallest id for this many members of a bucket; a chain links the rest"
    )
    # 0 = auto: 0.95 with verify (exact Jaccard removes the extra false positives, so favour recall)
    false_negative_weight: float = setting(
        0.0, "weight of missed pairs when choosing bands x rows (0: 0.95 with --verify, else 0.5)"
    )
    keep_policy: str = setting(
        DEFAULT_POLICY, "which row of a group to keep: column:asc|desc,... (missing columns skipped)"
    )

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


@dataclass(frozen=True)
class DedupOptions:
    """The dedup stage's settings (flags, [dedup] TOML keys, manifest)."""

    level: str = setting(
        "file", "rows are files, or repository samples (kept or dropped whole)", choices=("file", "repo")
    )
    params: DedupParams = field(default_factory=DedupParams)
    against: tuple[str, ...] = setting((), "prior index folder(s) from --index-out")
    index_out: str | None = setting(None, "write signatures and band hashes of the kept rows here")
