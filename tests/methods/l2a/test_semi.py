"""Semi-supervised L2A pieces: the stratified labelled subset and the pseudo-label filter."""

import numpy as np
import pytest

from videoaug.methods.l2a.semi import (
    RelabelledStores,
    accept_pseudo_labels,
    class_quota,
    labelled_subset,
)


def _train_set(per_class=(20, 20, 13, 7)):
    ids, labels = [], []
    for c, n in enumerate(per_class):
        ids += [f"c{c}_v{i:02d}" for i in range(n)]
        labels += [c] * n
    return ids, labels


@pytest.mark.parametrize(("count", "percent", "quota"), [
    (20, 50, 10), (20, 20, 4), (20, 5, 1), (20, 1, 1), (95, 5, 5), (13, 50, 7), (7, 50, 4),
    (7, 100, 7), (3, 10, 1),
])
def test_class_quota_rounds_half_up_with_at_least_one(count, percent, quota):
    assert class_quota(count, percent) == quota


def test_class_quota_rejects_bad_fractions():
    for bad in (0, -5, 101):
        with pytest.raises(ValueError, match="label fraction"):
            class_quota(10, bad)


@pytest.mark.parametrize("percent", [50, 20, 10, 5])
def test_labelled_subset_is_stratified_sized_and_disjoint(percent):
    ids, labels = _train_set()
    labelled, unlabelled = labelled_subset(ids, labels, percent, seed=0, dataset="toy")
    label_of = dict(zip(ids, labels, strict=True))
    assert set(labelled).isdisjoint(unlabelled)
    assert sorted(labelled + unlabelled) == sorted(ids)
    for c, n in enumerate((20, 20, 13, 7)):
        kept = sum(label_of[v] == c for v in labelled)
        assert kept == max(1, min(n, int(np.floor(n * percent / 100 + 0.5))))
    assert labelled == sorted(labelled) and unlabelled == sorted(unlabelled)


def test_labelled_subset_is_seeded_order_free_and_nested():
    ids, labels = _train_set()
    first = labelled_subset(ids, labels, 20, seed=0, dataset="toy")
    assert first == labelled_subset(ids, labels, 20, seed=0, dataset="toy")
    order = np.random.default_rng(1).permutation(len(ids))
    shuffled = labelled_subset([ids[i] for i in order], [labels[i] for i in order], 20, seed=0,
                               dataset="toy")
    assert shuffled == first
    assert first[0] != labelled_subset(ids, labels, 20, seed=1, dataset="toy")[0]
    # a smaller fraction keeps a subset of a larger one's labels (VideoSSL-style nesting)
    small = set(labelled_subset(ids, labels, 5, seed=0, dataset="toy")[0])
    assert small <= set(first[0]) <= set(labelled_subset(ids, labels, 50, seed=0,
                                                          dataset="toy")[0])


def test_labelled_subset_rejects_bad_input():
    with pytest.raises(ValueError, match="labels"):
        labelled_subset(["a", "b"], [0], 50, seed=0)
    with pytest.raises(ValueError, match="duplicate"):
        labelled_subset(["a", "a"], [0, 0], 50, seed=0)


def test_pseudo_labels_respect_the_threshold():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.full(5, 0.4), size=300)
    probs[0] = [0.6, 0.1, 0.1, 0.1, 0.1]                       # exactly at the threshold: kept
    probs[1] = [0.6 - 1e-9, 0.1 + 1e-9, 0.1, 0.1, 0.1]         # just below: dropped
    accepted, label, confidence = accept_pseudo_labels(probs, 0.6)
    expected = []
    for row in probs:  # independent: a plain loop over the rows
        best = max(range(5), key=lambda c, row=row: (row[c], -c))
        expected.append((row[best] >= 0.6, best, row[best]))
    assert accepted.tolist() == [e[0] for e in expected]
    assert label.tolist() == [e[1] for e in expected]
    np.testing.assert_allclose(confidence, [e[2] for e in expected])
    assert accepted[0] and not accepted[1]
    assert 0 < accepted.sum() < len(probs)
    assert accept_pseudo_labels(probs, 0.0)[0].all()
    assert not accept_pseudo_labels(probs[1:2], 1.0)[0].any()


def test_pseudo_labels_reject_bad_input():
    with pytest.raises(ValueError, match="threshold"):
        accept_pseudo_labels(np.ones((2, 2)) / 2, 1.5)
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        accept_pseudo_labels(np.ones(3), 0.5)
    accepted, label, _ = accept_pseudo_labels(np.zeros((0, 4)), 0.5)
    assert accepted.shape == label.shape == (0,)


def test_relabelled_stores_only_give_allowed_labels():
    class Stores:
        num_classes = 4

        def label(self, video_id):
            return 3  # the "true" label must never come through

        def frames(self, video_id):
            return video_id

    stores = RelabelledStores(Stores(), {"a": 1})
    assert stores.label("a") == 1 and stores.frames("b") == "b" and stores.num_classes == 4
    with pytest.raises(KeyError, match="no label training may use"):
        stores.label("b")
