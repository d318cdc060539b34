import math

import pytest

from videoaug.train.schedules import LRSchedule, lr_at


def test_step_schedule_of_zhang_et_al():
    # lr 1e-3 divided by 10 every 30 epochs, 80 epochs
    schedule = LRSchedule(kind="step", step=30, gamma=0.1)
    values = {e: lr_at(e, 1e-3, schedule) for e in (0, 29, 30, 59, 60, 79)}
    expected = {0: 1e-3, 29: 1e-3, 30: 1e-4, 59: 1e-4, 60: 1e-5, 79: 1e-5}
    for epoch, value in expected.items():
        assert values[epoch] == pytest.approx(value, rel=1e-12), epoch


def test_multistep_schedule():
    schedule = LRSchedule(kind="multistep", milestones=(2, 5), gamma=0.5)
    assert [lr_at(e, 1.0, schedule) for e in range(7)] == [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_cosine_schedule_values():
    schedule = LRSchedule(kind="cosine", epochs=10, min_lr=0.1)
    assert lr_at(0, 1.1, schedule) == pytest.approx(1.1)
    assert lr_at(5, 1.1, schedule) == pytest.approx(0.6)
    assert lr_at(10, 1.1, schedule) == pytest.approx(0.1)
    assert lr_at(2, 1.1, schedule) == pytest.approx(0.1 + 1.0 * (1 + math.cos(math.pi * 0.2)) / 2)


def test_constant_and_errors():
    assert lr_at(99, 0.3, LRSchedule(kind="constant")) == 0.3
    with pytest.raises(ValueError, match="unknown schedule"):
        LRSchedule(kind="linear")
    with pytest.raises(ValueError, match="epoch must be"):
        lr_at(-1, 0.1, LRSchedule())
    with pytest.raises(ValueError, match="milestones"):
        LRSchedule(kind="multistep", milestones=(5, 2))
