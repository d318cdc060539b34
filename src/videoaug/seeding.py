"""Deterministic seeds derived from ``config.seed`` and an artefact's name.

Every random choice in the pipeline takes a seed from :func:`derive_seed`, so two runs with the
same config produce the same artefacts, and two artefacts never share a random stream by accident.
"""

from __future__ import annotations

import hashlib

import numpy as np


def derive_seed(base: int, *names: object) -> int:
    """Return a 31-bit seed from ``base`` and any number of names (strings, ints).

    >>> derive_seed(0, "synth4", "ssdi", 3) == derive_seed(0, "synth4", "ssdi", 3)
    True
    """
    text = f"{int(base)}|" + "|".join(str(n) for n in names)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def numpy_rng(base: int, *names: object) -> np.random.Generator:
    """A NumPy generator seeded by :func:`derive_seed`."""
    return np.random.default_rng(derive_seed(base, *names))


def torch_generator(base: int, *names: object, device="cpu"):
    """A ``torch.Generator`` on ``device`` seeded by :func:`derive_seed` (torch imported lazily,
    so CPU-only stages such as decoding do not pay for it)."""
    import torch

    gen = torch.Generator(device=device)
    gen.manual_seed(derive_seed(base, *names))
    return gen
