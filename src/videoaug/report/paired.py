"""Paired statistics of a gain: a method against its baseline on the same test videos with the same
classifier seeds (docs/comparison.md).

Inputs are the per-video test scores every classifier run writes (``.npz``: ``probs (N, C)``,
``labels (N,)``, ``video_ids (N,)``; :func:`videoaug.train.evaluate.save_scores`). A run's
correctness on video ``v`` is ``argmax probs[v] == labels[v]``; for ``S`` seeds found for both
methods and the ``V`` test videos they share, ``D[s, v] = 100 · (correct_method −
correct_baseline)`` and the gain is ``mean(D)`` in top-1 points (the difference of the two mean
top-1s over those seeds).

- **Interval**: percentile interval (``confidence``, default 95 %) of a paired bootstrap that
  resamples seeds and test videos together (``scipy.stats.bootstrap`` over the two index sets, each
  resampled with replacement; one draw takes the mean of ``D`` over the drawn seeds × drawn
  videos). The same drawn videos serve both methods, so what a test video does to both cancels.
  With one seed only videos are resampled (the seed spread is then not in the interval).
- **p-value**: two-sided paired permutation test on the test videos
  (``scipy.stats.permutation_test``, ``permutation_type='samples'``): each video's seed-mean
  correctness of the two methods is swapped or not; statistic the mean difference; exact when
  ``2^V`` is at most ``n_resamples``.
- **Variance components** of ``D`` (two-way crossed design without replication, method of
  moments): ``σ²_seed``, ``σ²_video``, ``σ²_resid``, so that
  ``Var(gain) ≈ σ²_seed/S + σ²_video/V + σ²_resid/(S·V)``. From them, how many seeds (videos
  fixed) or test videos (seeds fixed) would make that variance a quarter, i.e. the interval half
  as wide; ``None`` where the other term alone stays above a quarter.

Every draw is seeded (``seed``), so the same score files give the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

MISSING = "missing"
VERDICTS = ("reproduced", "opposite", "inconclusive")
DEFAULT_RESAMPLES = 9999
DEFAULT_SEED = 0
_MAX_CELLS_PER_BATCH = 4_000_000  # bootstrap batch size: draws x seeds x videos floats at a time


# ----------------------------------------------------------------------------- score files
def scores_path_for(result_path: str | Path) -> Path:
    """The per-video scores of a result JSON: ``results/seeds/X.json`` ->
    ``results/scores/seeds/X.npz``; ``results/X.json`` -> ``results/scores/X.npz``."""
    path = Path(result_path)
    if path.parent.name == "seeds":
        return path.parent.parent / "scores" / "seeds" / f"{path.stem}.npz"
    return path.parent / "scores" / f"{path.stem}.npz"


def load_correct(path: str | Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(video_ids, correct bool (N,), labels int (N,))`` of one scores file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            probs, labels, ids = data["probs"], data["labels"], data["video_ids"]
    except KeyError as err:
        raise ValueError(
            f"{path}: not a scores file (needs probs, labels, video_ids): {err}") from None
    if probs.ndim != 2 or labels.shape != (probs.shape[0],) or ids.shape != labels.shape:
        raise ValueError(f"{path}: probs (N, C), labels (N,) and video_ids (N,) do not agree: "
                         f"{probs.shape}, {labels.shape}, {ids.shape}")
    return [str(v) for v in ids], probs.argmax(axis=1) == labels, labels.astype(np.int64)


def paired_matrices(
    method: Mapping[int, str | Path],
    baseline: Mapping[int, str | Path],
    videos: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[int], list[str]]:
    """Correctness ``(S, V)`` of method and baseline over the seeds both have a scores file for
    (``{seed: path}``; files that do not exist are left out) and their common test videos
    (restricted to ``videos`` when given), in sorted seed and video order.

    Raises ``ValueError`` naming the files when two runs were tested on different videos or
    disagree on a video's label (they are then not paired), and when no video is left.
    """
    seeds = sorted(s for s in method if s in baseline
                   and Path(method[s]).exists() and Path(baseline[s]).exists())
    if not seeds:
        return np.zeros((0, 0)), np.zeros((0, 0)), [], []
    loaded = {(k, s): (str(paths[s]), *load_correct(paths[s]))
              for k, paths in (("m", method), ("b", baseline)) for s in seeds}
    first_path, first_ids, _, first_labels = loaded[("m", seeds[0])]
    reference = dict(zip(first_ids, first_labels.tolist(), strict=True))
    for path, ids, _, labels in loaded.values():
        if sorted(ids) != sorted(reference):
            raise ValueError(
                f"{path} and {first_path} were tested on different videos "
                f"({len(ids)} and {len(reference)}): a paired comparison needs the same test set; "
                "rebuild both runs from the same manifest")
        if any(reference[v] != lab for v, lab in zip(ids, labels.tolist(), strict=True)):
            raise ValueError(f"{path} and {first_path} give a test video different labels; "
                             "rebuild both runs from the same manifest")
    keep = sorted(reference) if videos is None else sorted(set(reference) & set(videos))
    if not keep:
        raise ValueError(f"none of the {len(videos or [])} requested test videos is in "
                         f"{first_path}")

    def matrix(kind: str) -> np.ndarray:
        rows = []
        for s in seeds:
            _, ids, correct, _ = loaded[(kind, s)]
            order = {v: i for i, v in enumerate(ids)}
            rows.append(correct[[order[v] for v in keep]])
        return np.asarray(rows, dtype=np.float64)

    return matrix("m"), matrix("b"), seeds, keep


# ----------------------------------------------------------------------------- statistics
@dataclass(frozen=True)
class VarianceComponents:
    """Method-of-moments components (points²) of ``D = a_seed + b_video + e``."""

    seed: float
    video: float
    resid: float

    def variance(self, n_seeds: int, n_videos: int) -> float:
        """``σ²_seed/S + σ²_video/V + σ²_resid/(S·V)``: the variance of the mean gain."""
        return self.seed / n_seeds + self.video / n_videos + self.resid / (n_seeds * n_videos)


def variance_components(diff: np.ndarray) -> VarianceComponents:
    """Two-way crossed random effects without replication (seeds × videos), method of moments:
    ``MS_seed = V·Σ(d̄_s − d̄)²/(S−1)``, ``MS_video = S·Σ(d̄_v − d̄)²/(V−1)``,
    ``MS_resid = ΣΣ(d − d̄_s − d̄_v + d̄)²/((S−1)(V−1))``; ``σ²_resid = MS_resid``,
    ``σ²_seed = max(0, (MS_seed − MS_resid)/V)``, ``σ²_video = max(0, (MS_video − MS_resid)/S)``.
    With one seed the seed and residual terms cannot be told apart: ``σ²_seed = 0`` and every
    per-video spread counts as ``σ²_video`` (sample variance over the videos)."""
    d = np.asarray(diff, dtype=np.float64)
    s, v = d.shape
    if v < 2:
        return VarianceComponents(0.0, 0.0, 0.0)
    if s == 1:
        return VarianceComponents(0.0, float(d[0].var(ddof=1)), 0.0)
    grand, by_seed, by_video = d.mean(), d.mean(axis=1), d.mean(axis=0)
    ms_seed = v * float(((by_seed - grand) ** 2).sum()) / (s - 1)
    ms_video = s * float(((by_video - grand) ** 2).sum()) / (v - 1)
    resid = d - by_seed[:, None] - by_video[None, :] + grand
    ms_resid = float((resid**2).sum()) / ((s - 1) * (v - 1))
    return VarianceComponents(max(0.0, (ms_seed - ms_resid) / v),
                              max(0.0, (ms_video - ms_resid) / s), ms_resid)


def seeds_to_halve(comp: VarianceComponents, n_seeds: int, n_videos: int) -> int | None:
    """Smallest seed count ``S'`` (videos fixed) with variance ≤ a quarter of today's; ``None``
    when the video term alone stays above it, or when nothing varies."""
    target = comp.variance(n_seeds, n_videos) / 4.0
    rest = target - comp.video / n_videos
    per_seed = comp.seed + comp.resid / n_videos
    if target <= 0 or rest <= 0 or per_seed <= 0:
        return None
    return max(n_seeds, math.ceil(per_seed / rest - 1e-9))


def videos_to_halve(comp: VarianceComponents, n_seeds: int, n_videos: int) -> int | None:
    """Smallest test-video count ``V'`` (seeds fixed) with variance ≤ a quarter of today's;
    ``None`` when the seed term alone stays above it, or when nothing varies."""
    target = comp.variance(n_seeds, n_videos) / 4.0
    rest = target - comp.seed / n_seeds
    per_video = comp.video + comp.resid / n_seeds
    if target <= 0 or rest <= 0 or per_video <= 0:
        return None
    return max(n_videos, math.ceil(per_video / rest - 1e-9))


@dataclass(frozen=True)
class PairedGain:
    """A method's gain over its baseline (top-1 points) with its paired interval and p-value."""

    gain: float
    low: float
    high: float
    p_value: float
    n_seeds: int
    n_videos: int
    method_top1: float
    baseline_top1: float
    components: VarianceComponents
    seeds_needed: int | None  # seeds (videos fixed) for an interval half as wide
    videos_needed: int | None  # test videos (seeds fixed) for an interval half as wide
    confidence: float = 0.95

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    @property
    def verdict(self) -> str:
        """reproduced (interval above 0), opposite (below 0) or inconclusive (contains 0)."""
        if self.low > 0:
            return "reproduced"
        if self.high < 0:
            return "opposite"
        return "inconclusive"

    def to_json(self) -> dict:
        out = asdict(self)
        out.update(excludes_zero=self.excludes_zero, verdict=self.verdict)
        return out


def _crossed_mean(diff: np.ndarray):
    def statistic(*indices: np.ndarray, axis: int = -1) -> np.ndarray:
        if len(indices) == 2:
            si, vi = indices
            return diff[si[..., :, None], vi[..., None, :]].mean(axis=(-2, -1))
        (vi,) = indices
        return diff[0][vi].mean(axis=-1)

    return statistic


def bootstrap_interval(diff: np.ndarray, confidence: float = 0.95,
                       n_resamples: int = DEFAULT_RESAMPLES,
                       seed: int = DEFAULT_SEED) -> tuple[float, float]:
    """Percentile interval of the mean of ``diff (S, V)`` under the paired crossed bootstrap
    (seeds and videos resampled with replacement in each draw; videos only when ``S == 1``)."""
    from scipy.stats import bootstrap

    diff = np.asarray(diff, dtype=np.float64)
    s, v = diff.shape
    if v < 2:
        raise ValueError(f"a paired interval needs at least 2 test videos, got {v}")
    if np.all(diff == diff.flat[0]):  # every draw gives the same mean
        return float(diff.flat[0]), float(diff.flat[0])
    data = (np.arange(s), np.arange(v)) if s > 1 else (np.arange(v),)
    batch = max(1, _MAX_CELLS_PER_BATCH // (s * v))
    res = bootstrap(data, _crossed_mean(diff), n_resamples=n_resamples, batch=batch,
                    vectorized=True, paired=False, confidence_level=confidence,
                    method="percentile", rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def permutation_p_value(method: np.ndarray, baseline: np.ndarray,
                        n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> float:
    """Two-sided paired permutation test over test videos: each video's seed-mean correctness of
    method and baseline is swapped or not (exact when ``2^V <= n_resamples``)."""
    from scipy.stats import permutation_test

    x = np.asarray(method, dtype=np.float64).mean(axis=0)
    y = np.asarray(baseline, dtype=np.float64).mean(axis=0)
    if np.array_equal(x, y):
        return 1.0

    def statistic(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean(a - b, axis=axis)

    res = permutation_test((x, y), statistic, permutation_type="samples", vectorized=True,
                           n_resamples=n_resamples, alternative="two-sided",
                           rng=np.random.default_rng(seed))
    return float(min(1.0, res.pvalue))


def paired_gain(method: np.ndarray, baseline: np.ndarray, *, confidence: float = 0.95,
                n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> PairedGain:
    """Gain, interval, p-value and variance components of ``method`` over ``baseline``:
    correctness matrices ``(S, V)`` of 0/1 on the same seeds (rows) and videos (columns)."""
    m = np.asarray(method, dtype=np.float64)
    b = np.asarray(baseline, dtype=np.float64)
    if m.shape != b.shape or m.ndim != 2 or 0 in m.shape:
        raise ValueError(f"method and baseline need the same (seeds, videos) shape, got "
                         f"{m.shape} and {b.shape}")
    diff = 100.0 * (m - b)
    s, v = diff.shape
    low, high = bootstrap_interval(diff, confidence, n_resamples, seed)
    comp = variance_components(diff)
    return PairedGain(
        gain=float(diff.mean()), low=low, high=high,
        p_value=permutation_p_value(m, b, n_resamples, seed),
        n_seeds=s, n_videos=v,
        method_top1=100.0 * float(m.mean()), baseline_top1=100.0 * float(b.mean()),
        components=comp,
        seeds_needed=seeds_to_halve(comp, s, v) if s > 1 else None,
        videos_needed=videos_to_halve(comp, s, v),
        confidence=confidence,
    )


def compare(method: Mapping[int, str | Path], baseline: Mapping[int, str | Path],
            videos: Sequence[str] | None = None, **kwargs) -> PairedGain | None:
    """:func:`paired_gain` of two runs' scores files ``{seed: path}``; ``None`` when no seed has
    a scores file for both (the cell then reads "missing")."""
    m, b, seeds, _ = paired_matrices(method, baseline, videos)
    if not seeds:
        return None
    return paired_gain(m, b, **kwargs)


# ----------------------------------------------------------------------------- formatting
def signed(value: float, decimals: int = 1) -> str:
    """``+1.3`` / ``-0.8``; a value that rounds to zero reads ``+0.0`` (never ``-0.0``)."""
    rounded = round(float(value), decimals)
    return f"{(rounded if rounded != 0 else 0.0):+.{decimals}f}"


def interval_text(gain: PairedGain | None, decimals: int = 1, mark: bool = True) -> str:
    """``+1.3 [-0.8, +3.4]``, with `` *`` when the interval excludes 0; "missing" without one."""
    if gain is None:
        return MISSING
    low, high = signed(gain.low, decimals), signed(gain.high, decimals)
    text = f"{signed(gain.gain, decimals)} [{low}, {high}]"
    return text + (" *" if mark and gain.excludes_zero else "")


def p_text(p: float | None) -> str:
    if p is None:
        return MISSING
    return f"{p:.3f}" if p >= 0.001 else "< 0.001"


def seed_scores(results_dir: str | Path, ds: str, result: str,
                seeds: Sequence[int]) -> dict[int, Path]:
    """``{seed: results/scores/seeds/{ds}_{result}_s{seed}.npz}`` (whether they exist or not)."""
    root = Path(results_dir)
    return {int(s): scores_path_for(root / "seeds" / f"{ds}_{result}_s{s}.json") for s in seeds}


def gain_cell(results_dir: str | Path, ds: str, result: str, baseline: str,
              seeds: Sequence[int], **kwargs) -> str:
    """One table cell: the paired gain of seed runs ``result`` over ``baseline`` on ``ds``
    ("baseline" for the baseline's own row, "missing" without scores for both)."""
    if result == baseline:
        return "baseline"
    return interval_text(compare(seed_scores(results_dir, ds, result, seeds),
                                 seed_scores(results_dir, ds, baseline, seeds), **kwargs))


def single_gain_cell(results_dir: str | Path, ds: str, result: str, baseline: str,
                     **kwargs) -> str:
    """The same for the config-seed runs ``results/{ds}_{result}.json`` (one seed: the interval
    holds the test-set spread only)."""
    if result == baseline:
        return "baseline"
    root = Path(results_dir)
    return interval_text(compare({0: scores_path_for(root / f"{ds}_{result}.json")},
                                 {0: scores_path_for(root / f"{ds}_{baseline}.json")}, **kwargs))


INTERVAL_NOTE = (
    "Gain: top-1 points over the table's baseline on the same test videos and classifier seeds, "
    "[95 % interval] of a paired bootstrap over seeds and test videos together; * = the interval "
    "excludes 0 (docs/comparison.md). One seed: the interval holds the test-set spread only.")
