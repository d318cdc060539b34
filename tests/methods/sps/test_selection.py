import math

import numpy as np
import pytest
import torch

from videoaug.methods.sps.selection import (
    SelectionMethod,
    label_losses,
    mark_added,
    select,
    select_rnd,
    select_sps,
    select_tsp,
    selection_epochs,
    sps_margin,
)

# Softmax scores of 8 generated samples over 3 classes, dyadic so that margins are exact in
# floating point (ties are real ties). Margins by hand: 0.75-0.125=0.625, 0.5-0.375=0.125,
# 0.875-0.0625=0.8125, 0.4375-0.3125=0.125, 0.375-0.3125=0.0625, 0.625-0.25=0.375,
# 0.75-0.1875=0.5625, 0.5625-0.4375=0.125.
PROBS = np.array(
    [
        [0.75, 0.125, 0.125],
        [0.375, 0.5, 0.125],
        [0.0625, 0.0625, 0.875],
        [0.3125, 0.25, 0.4375],
        [0.3125, 0.375, 0.3125],
        [0.125, 0.625, 0.25],
        [0.0625, 0.1875, 0.75],
        [0.0, 0.4375, 0.5625],
    ]
)
HAND_MARGINS = [0.625, 0.125, 0.8125, 0.125, 0.0625, 0.375, 0.5625, 0.125]


def _brute_force_top(keys, already_added, n_g, largest):
    """Independent reference: sort (key, index) pairs in Python, skip added, take n_g."""
    pairs = [(-k if largest else k, i) for i, k in enumerate(keys) if not already_added[i]]
    return [i for _, i in sorted(pairs)[:n_g]]


def _brute_force_margins(probs):
    return [sorted(row, reverse=True)[0] - sorted(row, reverse=True)[1] for row in probs.tolist()]


def test_sps_margin_matches_hand_values():
    np.testing.assert_allclose(sps_margin(PROBS), HAND_MARGINS, atol=1e-12)


def test_sps_margin_random_matrix_matches_sorting():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(50, 7))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(sps_margin(probs), _brute_force_margins(probs), atol=1e-12)
    # torch tensors are accepted as well
    np.testing.assert_allclose(sps_margin(torch.from_numpy(probs)), sps_margin(probs))


def test_sps_margin_rejects_single_class():
    with pytest.raises(ValueError, match="C >= 2"):
        sps_margin(np.ones((3, 1)))


def test_select_sps_takes_largest_margins_with_index_tie_break():
    none_added = np.zeros(8, dtype=bool)
    assert select_sps(PROBS, none_added, 3).tolist() == [2, 0, 6]
    # Margins 0.125 at indices 1, 3, 7 tie; after 2, 0, 6, 5 the lower indices win.
    assert select_sps(PROBS, none_added, 6).tolist() == [2, 0, 6, 5, 1, 3]


def test_select_sps_skips_already_added():
    added = np.zeros(8, dtype=bool)
    added[[2, 5]] = True
    assert select_sps(PROBS, added, 3).tolist() == [0, 6, 1]


@pytest.mark.parametrize("seed", range(5))
def test_select_sps_and_tsp_match_brute_force_on_random_pools(seed):
    rng = np.random.default_rng(seed)
    n = 40
    # Quantised scores create many ties, which the brute force breaks by index too.
    probs = rng.integers(0, 5, size=(n, 4)).astype(float) + 1e-3
    probs /= probs.sum(1, keepdims=True)
    losses = rng.integers(0, 6, size=n).astype(float)
    added = rng.random(n) < 0.3
    n_g = 9
    margins = _brute_force_margins(probs)
    sps = select_sps(probs, added, n_g)
    tsp = select_tsp(losses, added, n_g)
    assert sps.tolist() == _brute_force_top(margins, added, n_g, largest=True)
    assert tsp.tolist() == _brute_force_top(losses.tolist(), added, n_g, largest=False)
    for chosen in (sps, tsp):
        assert chosen.dtype == np.int64
        assert len(set(chosen.tolist())) == n_g
        assert not added[chosen].any()


def test_select_tsp_takes_smallest_losses():
    losses = np.array([0.9, 0.1, 0.5, 0.1, 2.0])
    assert select_tsp(losses, np.zeros(5, dtype=bool), 3).tolist() == [1, 3, 2]


def test_fewer_remaining_than_n_g_returns_all_remaining():
    added = np.array([True, False, True, True, False, True, True, True])
    assert sorted(select_sps(PROBS, added, 5).tolist()) == [1, 4]
    assert sorted(select_tsp(np.arange(8.0), added, 5).tolist()) == [1, 4]
    assert sorted(select_rnd(8, added, 5, np.random.default_rng(0)).tolist()) == [1, 4]
    all_added = np.ones(8, dtype=bool)
    assert select_sps(PROBS, all_added, 3).size == 0
    assert select_rnd(8, all_added, 3, np.random.default_rng(0)).size == 0


def test_select_rnd_is_uniform_and_respects_added():
    added = np.zeros(10, dtype=bool)
    added[[0, 9]] = True
    rng = np.random.default_rng(1)
    draws = 4000
    counts = np.zeros(10)
    for _ in range(draws):
        chosen = select_rnd(10, added, 3, rng)
        assert len(set(chosen.tolist())) == 3
        counts[chosen] += 1
    assert counts[0] == counts[9] == 0
    # Each of the 8 candidates is chosen with probability 3/8; binomial sd ~ 30.6.
    expected = draws * 3 / 8
    assert np.abs(counts[1:9] - expected).max() < 4 * math.sqrt(draws * 3 / 8 * 5 / 8)


def test_select_rnd_is_seeded():
    added = np.zeros(20, dtype=bool)
    first = select_rnd(20, added, 5, np.random.default_rng(7))
    assert first.tolist() == select_rnd(20, added, 5, np.random.default_rng(7)).tolist()
    assert first.tolist() != select_rnd(20, added, 5, np.random.default_rng(8)).tolist()


def test_repeated_selection_adds_every_image_once():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(23, 4))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    for method in ("sps", "tsp", "rnd"):
        added = np.zeros(23, dtype=bool)
        order = []
        for _ in selection_epochs(2, 3, 5):  # 6 epochs x 5 > 23: the pool runs dry
            chosen = select(method, probs, -np.log(probs[:, 0]), added, 5, rng)
            added = mark_added(added, chosen)
            order += chosen.tolist()
        assert sorted(order) == list(range(23)), method
    # SPS over the epochs yields the images by decreasing margin.
    added = np.zeros(23, dtype=bool)
    order = []
    for _ in range(5):
        chosen = select_sps(probs, added, 5)
        added = mark_added(added, chosen)
        order += chosen.tolist()
    margins = sps_margin(probs)
    assert np.all(np.diff(margins[order]) <= 0)


def test_mark_added_refuses_duplicates():
    added = np.array([False, True, False])
    assert mark_added(added, [0]).tolist() == [True, True, False]
    assert added.tolist() == [False, True, False]  # input untouched
    with pytest.raises(ValueError, match="already added"):
        mark_added(added, [1])
    with pytest.raises(ValueError, match="repeat"):
        mark_added(added, [2, 2])


def test_selection_epochs_schedule():
    assert selection_epochs(10, 5, 3) == [10, 15, 20, 25]
    assert selection_epochs(0, 1, 0) == [0]
    with pytest.raises(ValueError, match="step_d >= 1"):
        selection_epochs(1, 0, 2)


def test_label_losses_is_cross_entropy_of_generator_label():
    labels = np.array([0, 1, 2, 2, 0, 1, 2, 1])
    expected = [-math.log(p) for p in (0.75, 0.5, 0.875, 0.4375, 0.3125, 0.625, 0.75, 0.4375)]
    np.testing.assert_allclose(label_losses(PROBS, labels), expected)
    assert label_losses(np.array([[1.0, 0.0]]), [1])[0] == pytest.approx(-math.log(1e-12))


def test_select_dispatcher():
    added = np.zeros(8, dtype=bool)
    losses = np.arange(8.0)[::-1].copy()
    assert select("sps", PROBS, None, added, 2, None).tolist() == [2, 0]
    assert select(SelectionMethod.TSP, None, losses, added, 2, None).tolist() == [7, 6]
    assert len(select("rnd", None, None, added, 4, np.random.default_rng(0))) == 4
    ssdi = select("ssdi", None, None, added, 4, None)
    assert ssdi.size == 0 and ssdi.dtype == np.int64
    assert [m.value for m in SelectionMethod] == ["ssdi", "rnd", "tsp", "sps"]


@pytest.mark.parametrize(
    ("method", "kwargs", "message"),
    [
        ("mixup", {}, "unknown selection method 'mixup'; expected one of ssdi, rnd, tsp, sps"),
        ("sps", {"probs": None}, "'sps' needs probs"),
        ("tsp", {"losses": None}, "'tsp' needs losses"),
        ("rnd", {"rng": None}, "'rnd' needs rng"),
    ],
)
def test_select_dispatcher_errors(method, kwargs, message):
    arguments = {"probs": PROBS, "losses": np.zeros(8), "rng": np.random.default_rng(0)}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        select(method, arguments["probs"], arguments["losses"], np.zeros(8, dtype=bool), 2,
               arguments["rng"])


def test_invalid_inputs_are_rejected():
    with pytest.raises(ValueError, match="bool mask of shape \\(8,\\)"):
        select_sps(PROBS, np.zeros(7, dtype=bool), 2)
    with pytest.raises(ValueError, match="bool mask"):
        select_tsp(np.zeros(8), np.zeros(8, dtype=int), 2)
    with pytest.raises(ValueError, match="n_g must be >= 0"):
        select_sps(PROBS, np.zeros(8, dtype=bool), -1)
