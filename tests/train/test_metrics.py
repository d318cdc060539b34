import math

import numpy as np
import pytest

from videoaug.train.metrics import (
    confusion_matrix,
    per_class_accuracy,
    per_item_loss,
    topk_accuracy,
)

# 4 samples, 3 classes; true labels 0, 1, 2, 0.
PROBS = np.array([
    [0.6, 0.3, 0.1],   # label 0: rank 1
    [0.5, 0.4, 0.1],   # label 1: rank 2
    [0.7, 0.2, 0.1],   # label 2: rank 3
    [0.2, 0.5, 0.3],   # label 0: rank 3
])
LABELS = np.array([0, 1, 2, 0])


def test_topk_against_hand_counts():
    assert topk_accuracy(PROBS, LABELS, 1) == pytest.approx(1 / 4)
    assert topk_accuracy(PROBS, LABELS, 2) == pytest.approx(2 / 4)
    assert topk_accuracy(PROBS, LABELS, 3) == pytest.approx(1.0)


def test_top5_with_fewer_than_five_classes_is_capped():
    assert topk_accuracy(PROBS, LABELS, 5) == pytest.approx(1.0)


def test_topk_ties_broken_by_lower_class_index():
    probs = np.array([[0.5, 0.5, 0.0]])
    assert topk_accuracy(probs, [0], 1) == 1.0
    assert topk_accuracy(probs, [1], 1) == 0.0


def test_topk_rejects_bad_input():
    with pytest.raises(ValueError, match="labels must lie"):
        topk_accuracy(PROBS, [0, 1, 2, 3], 1)
    with pytest.raises(ValueError, match="k must be"):
        topk_accuracy(PROBS, LABELS, 0)
    assert math.isnan(topk_accuracy(np.zeros((0, 3)), np.zeros(0), 1))


def test_confusion_rows_are_truth_and_per_class_recall():
    pred = np.array([0, 1, 1, 2, 2])
    labels = np.array([0, 1, 2, 2, 2])
    confusion = confusion_matrix(pred, labels, 4)
    expected = np.zeros((4, 4), dtype=np.int64)
    expected[0, 0] = 1
    expected[1, 1] = 1
    expected[2, 1] = 1
    expected[2, 2] = 2
    np.testing.assert_array_equal(confusion, expected)
    recall = per_class_accuracy(confusion)
    np.testing.assert_allclose(recall[:3], [1.0, 1.0, 2 / 3])
    assert math.isnan(recall[3])  # class 3 has no test items


def test_confusion_rejects_out_of_range():
    with pytest.raises(ValueError, match="pred must lie"):
        confusion_matrix([3], [0], 3)


def test_per_item_loss_is_minus_log_of_label_probability():
    np.testing.assert_allclose(per_item_loss(PROBS, LABELS), -np.log([0.6, 0.4, 0.1, 0.2]))
    assert np.isfinite(per_item_loss(np.array([[1.0, 0.0]]), [1])).all()
