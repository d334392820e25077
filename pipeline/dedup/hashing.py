"""Fixed avalanching bijections (MurmurHash3 finalizers) over numpy arrays.

Array arithmetic on unsigned numpy integers wraps around, which is exactly the modulo-2^w
arithmetic these mixers are defined with.
"""

from __future__ import annotations

import numpy as np

_M64_1 = np.uint64(0xFF51AFD7ED558CCD)
_M64_2 = np.uint64(0xC4CEB9FE1A85EC53)
_M32_1 = np.uint32(0x85EBCA6B)
_M32_2 = np.uint32(0xC2B2AE35)


def fmix64(values: np.ndarray) -> np.ndarray:
    h = values.astype(np.uint64, copy=True)
    h ^= h >> np.uint64(33)
    h *= _M64_1
    h ^= h >> np.uint64(33)
    h *= _M64_2
    h ^= h >> np.uint64(33)
    return h


def fmix32(values: np.ndarray) -> np.ndarray:
    """The same finalizer datasketch's affine32 scheme applies to its input hashes."""
    h = values.astype(np.uint32, copy=True)
    h ^= h >> np.uint32(16)
    h *= _M32_1
    h ^= h >> np.uint32(13)
    h *= _M32_2
    h ^= h >> np.uint32(16)
    return h
