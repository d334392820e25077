"""The one retry policy for S3 and HTTP(S): capped exponential backoff with full jitter (many tasks
hitting one bucket must not retry in lockstep: S3 answers a crowd with `SlowDown`).

Which errors are worth a retry is decided in `pipeline.io.fetch` (`transient`, `transient_in_pyarrow`).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

# Attempts per request (the first one included), for every S3 and HTTP(S) access of the project:
# datasets and manifests (`pipeline.io.storage`) and streamed reads (`pipeline.io.fetch`). With the
# backoff below, 10 attempts wait out about a minute of throttling (at most ~2 minutes) before failing.
ATTEMPTS_ENV = "CORPUS_S3_ATTEMPTS"
DEFAULT_ATTEMPTS = max(1, int(os.environ.get(ATTEMPTS_ENV, "10")))


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = DEFAULT_ATTEMPTS
    base_seconds: float = 0.5
    cap_seconds: float = 30.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number `attempt` (1-based): uniform in [0, min(cap, base*2^n)]."""
        ceiling = min(self.cap_seconds, self.base_seconds * (2 ** (attempt - 1)))
        return (rng or random).uniform(0, ceiling)


def call_with_retries(
    fn: Callable,
    policy: RetryPolicy,
    is_retryable: Callable[[BaseException], bool],
    sleep: Callable[[float], None] = time.sleep,
):
    """`fn()`, retried on errors `is_retryable` accepts; the last error is raised when attempts run out."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn()
        except Exception as error:
            if attempt == policy.attempts or not is_retryable(error):
                raise
            sleep(policy.delay(attempt))
    raise AssertionError("unreachable")
