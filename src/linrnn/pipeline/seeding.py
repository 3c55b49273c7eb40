"""Order-independent random streams for pipeline jobs.

Every job draws from its own ``numpy.random.Generator`` built from the config's base seed and
the job's identity (kind of draw, experiment, learning rule, estimator, seed index). The identity is hashed
with SHA-256 (stable across processes, machines and Python versions, unlike ``hash()``), so a
result depends only on *what* the job is, never on job order, ``--cores`` or local vs cluster
execution.

    entropy = [base_seed, w_0, ..., w_7]   with w_j the 32-bit words of SHA-256(key)
    rng     = Generator(PCG64(SeedSequence(entropy)))
"""

from __future__ import annotations

import hashlib
import json

import numpy as np


def key_string(*parts) -> str:
    """Canonical text for a job identity: a JSON list of the parts (str/int/float/bool/None)."""
    for part in parts:
        if not isinstance(part, (str, int, float, bool, type(None))):
            raise TypeError(f"seed key parts must be str/int/float/bool/None, got {type(part)!r}")
    # Python ints and numpy ints print alike; cast numpy scalars up front to be safe.
    return json.dumps([p.item() if hasattr(p, "item") else p for p in parts], separators=(",", ":"))


def stable_words(*parts) -> list[int]:
    """The eight 32-bit words of SHA-256 of the canonical key (stable across processes)."""
    digest = hashlib.sha256(key_string(*parts).encode("utf-8")).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 32, 4)]


def seed_sequence(base_seed: int, *parts) -> np.random.SeedSequence:
    """SeedSequence from the base seed and the job identity ``parts``."""
    if isinstance(base_seed, bool) or not isinstance(base_seed, (int, np.integer)) or base_seed < 0:
        raise ValueError(f"base_seed must be a non-negative integer, got {base_seed!r}")
    return np.random.SeedSequence([int(base_seed), *stable_words(*parts)])


def rng_for(base_seed: int, *parts) -> np.random.Generator:
    """A fresh Generator for one job, e.g. ``rng_for(base, "train", "validation", "rflo",
    "expected", 0)``."""
    return np.random.Generator(np.random.PCG64(seed_sequence(base_seed, *parts)))
