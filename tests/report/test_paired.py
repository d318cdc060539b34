"""Paired statistics (videoaug.report.paired) against independent computations on hand-made
score files: a known difference, an all-equal case, a single seed, the exact permutation test, the
variance components, and that the bootstrap is paired."""

import itertools

import numpy as np
import pytest

from tests.report.scorefiles import labels_for, video_ids, write_scores
from videoaug.report.paired import (
    VarianceComponents,
    compare,
    interval_text,
    paired_gain,
    paired_matrices,
    scores_path_for,
    seeds_to_halve,
    signed,
    variance_components,
    videos_to_halve,
)


def _independent_bootstrap(diff: np.ndarray, draws: int = 40000, seed: int = 123):
    """Crossed bootstrap written out with numpy alone: per draw, S seeds and V videos drawn with
    replacement, the mean of ``diff`` over the drawn cells; the 2.5 and 97.5 percentiles."""
    rng = np.random.default_rng(seed)
    s, v = diff.shape
    means = np.empty(draws)
    for start in range(0, draws, 2000):
        stop = min(draws, start + 2000)
        si = rng.integers(0, s, size=(stop - start, s)) if s > 1 else np.zeros((stop - start, 1),
                                                                                  dtype=int)
        vi = rng.integers(0, v, size=(stop - start, v))
        # weights: how often each seed / video was drawn
        ws = np.stack([np.bincount(row, minlength=s) for row in si])
        wv = np.stack([np.bincount(row, minlength=v) for row in vi])
        means[start:stop] = np.einsum("bs,sv,bv->b", ws, diff, wv) / (s * v)
    return np.percentile(means, 2.5), np.percentile(means, 97.5)


def _pair(rng, s, v, p_base=0.6, up=0.12, down=0.04):
    """Baseline right with probability ``p_base``; the method fixes a share ``up`` of the
    baseline's wrong videos and breaks a share ``down`` of its right ones (per seed)."""
    base = rng.random((s, v)) < p_base
    method = base.copy()
    method[(~base) & (rng.random((s, v)) < up / (1 - p_base))] = True
    method[base & (rng.random((s, v)) < down / p_base)] = False
    return method.astype(float), base.astype(float)


def test_known_difference_matches_an_independent_bootstrap():
    rng = np.random.default_rng(0)
    m, b = _pair(rng, 4, 150)
    g = paired_gain(m, b)
    assert g.gain == pytest.approx(100 * (m.mean() - b.mean()))
    assert g.method_top1 == pytest.approx(100 * m.mean())
    assert (g.n_seeds, g.n_videos) == (4, 150)
    low, high = _independent_bootstrap(100 * (m - b))
    assert g.low == pytest.approx(low, abs=0.4) and g.high == pytest.approx(high, abs=0.4)
    assert g.low < g.gain < g.high
    # a method that fixes a twelfth of all videos and breaks a twenty-fifth: clearly better
    assert g.verdict == "reproduced" and g.excludes_zero and g.p_value < 0.01


def test_all_equal_scores_give_a_zero_interval_and_p_one():
    rng = np.random.default_rng(1)
    b = (rng.random((3, 40)) < 0.5).astype(float)
    g = paired_gain(b.copy(), b)
    assert (g.gain, g.low, g.high, g.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert g.verdict == "inconclusive" and not g.excludes_zero
    assert g.seeds_needed is None and g.videos_needed is None
    assert g.components == VarianceComponents(0.0, 0.0, 0.0)


def test_single_seed_resamples_videos_only():
    rng = np.random.default_rng(2)
    m, b = _pair(rng, 1, 120)
    g = paired_gain(m, b)
    low, high = _independent_bootstrap(100 * (m - b))
    assert g.low == pytest.approx(low, abs=0.5) and g.high == pytest.approx(high, abs=0.5)
    # one seed: the seed spread is not measured; the video term alone says 4x the videos
    assert g.seeds_needed is None and g.videos_needed == 4 * 120
    d = 100 * (m - b)[0]
    assert g.components.video == pytest.approx(d.var(ddof=1))


def test_p_value_is_the_exact_paired_permutation_test():
    rng = np.random.default_rng(3)
    m, b = _pair(rng, 2, 10, up=0.3, down=0.1)
    x, y = m.mean(axis=0), b.mean(axis=0)
    observed = abs((x - y).mean())
    hits = 0
    for flips in itertools.product((1, -1), repeat=10):  # swap method and baseline per video
        hits += abs(((x - y) * np.array(flips)).mean()) >= observed - 1e-12
    exact = hits / 2**10
    assert paired_gain(m, b).p_value == pytest.approx(exact, abs=1e-12)


def test_the_bootstrap_is_paired_shuffling_the_pairing_widens_it():
    rng = np.random.default_rng(4)
    m, b = _pair(rng, 3, 200, up=0.05, down=0.02)
    paired = paired_gain(m, b)
    shuffled = m[:, rng.permutation(200)]  # same per-seed top-1, pairing with the videos lost
    unpaired = paired_gain(shuffled, b)
    assert unpaired.gain == pytest.approx(paired.gain)
    assert (unpaired.high - unpaired.low) > 2 * (paired.high - paired.low)


def test_opposite_and_seeded():
    rng = np.random.default_rng(5)
    m, b = _pair(rng, 3, 100, up=0.02, down=0.15)
    g = paired_gain(m, b)
    assert g.verdict == "opposite" and g.high < 0
    assert paired_gain(m, b) == g  # every draw is seeded: same files, same interval


def test_variance_components_and_what_halves_the_interval():
    rng = np.random.default_rng(6)
    # rows identical: only the videos differ -> no seed or residual term
    per_video = rng.normal(size=50)
    comp = variance_components(np.tile(per_video, (4, 1)))
    assert comp.seed == pytest.approx(0) and comp.resid == pytest.approx(0, abs=1e-12)
    assert comp.video == pytest.approx(per_video.var(ddof=1))
    assert videos_to_halve(comp, 4, 50) == 200 and seeds_to_halve(comp, 4, 50) is None
    # columns identical: only the seeds differ
    per_seed = rng.normal(size=5)
    comp = variance_components(np.tile(per_seed[:, None], (1, 30)))
    assert comp.video == pytest.approx(0) and comp.seed == pytest.approx(per_seed.var(ddof=1))
    assert seeds_to_halve(comp, 5, 30) == 20 and videos_to_halve(comp, 5, 30) is None
    # a general table: the two-way ANOVA by hand, and the smallest counts that reach a quarter
    d = rng.normal(size=(4, 60)) + rng.normal(size=(4, 1)) + 0.5 * rng.normal(size=(1, 60))
    s, v = d.shape
    grand = d.mean()
    ss_seed = v * ((d.mean(axis=1) - grand) ** 2).sum()
    ss_video = s * ((d.mean(axis=0) - grand) ** 2).sum()
    ss_resid = ((d - grand) ** 2).sum() - ss_seed - ss_video
    ms_resid = ss_resid / ((s - 1) * (v - 1))
    comp = variance_components(d)
    assert comp.resid == pytest.approx(ms_resid)
    assert comp.seed == pytest.approx(max(0, (ss_seed / (s - 1) - ms_resid) / v))
    assert comp.video == pytest.approx(max(0, (ss_video / (v - 1) - ms_resid) / s))
    target = comp.variance(s, v) / 4
    n = seeds_to_halve(comp, s, v)
    assert n is not None and comp.variance(n, v) <= target < comp.variance(n - 1, v)
    if (k := videos_to_halve(comp, s, v)) is not None:
        assert comp.variance(s, k) <= target < comp.variance(s, k - 1)
    else:
        assert comp.seed / s >= target


def test_score_files_are_aligned_by_video_id(tmp_path):
    rng = np.random.default_rng(7)
    m, b = _pair(rng, 2, 40)
    method, base = {}, {}
    for s in range(2):
        method[s] = write_scores(tmp_path / f"m{s}.npz", m[s])
        base[s] = write_scores(tmp_path / f"b{s}.npz", b[s], order=rng.permutation(40))
    mm, bb, seeds, ids = paired_matrices(method, base)
    assert seeds == [0, 1] and ids == video_ids(40)
    np.testing.assert_array_equal(mm, m)
    np.testing.assert_array_equal(bb, b)
    assert compare(method, base) == paired_gain(m, b)
    # a seed missing on one side is left out; none in common: no result
    assert compare({**method, 5: tmp_path / "absent.npz"}, base) == paired_gain(m, b)
    assert compare({0: method[0]}, {1: base[1]}) is None
    # a subset of the test videos (a diagnostic split)
    keep = video_ids(40)[::3]
    sub = compare(method, base, keep)
    assert sub.n_videos == len(keep)
    assert sub.gain == pytest.approx(100 * (m[:, ::3] - b[:, ::3]).mean())


def test_runs_on_different_videos_are_not_paired(tmp_path):
    a = write_scores(tmp_path / "a.npz", np.ones(10, bool))
    other = write_scores(tmp_path / "b.npz", np.ones(10, bool),
                         ids=[f"w{i}" for i in range(10)])
    with pytest.raises(ValueError, match="tested on different videos"):
        paired_matrices({0: a}, {0: other})
    relabelled = write_scores(tmp_path / "c.npz", np.ones(10, bool),
                              labels=(labels_for(10) + 1) % 4)
    with pytest.raises(ValueError, match="different labels"):
        paired_matrices({0: a}, {0: relabelled})


def test_text_forms():
    rng = np.random.default_rng(8)
    g = paired_gain(*_pair(rng, 3, 100))
    text = interval_text(g)
    assert text == f"{g.gain:+.1f} [{g.low:+.1f}, {g.high:+.1f}]" + (" *" if g.excludes_zero
                                                                      else "")
    assert interval_text(None) == "missing"
    assert signed(-0.04) == "+0.0" and signed(-0.06) == "-0.1" and signed(1.25, 2) == "+1.25"
    assert str(scores_path_for("results/seeds/x_s0.json")) == "results/scores/seeds/x_s0.npz"
    assert str(scores_path_for("results/x.json")) == "results/scores/x.npz"
