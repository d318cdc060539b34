import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from videoaug.io.store import ImageStoreWriter, atomic_store
from videoaug.train.datasets import ImageSamples
from videoaug.train.device import resolve_device
from videoaug.train.trainer import (
    Callback,
    TrainConfig,
    Trainer,
    predict,
    soft_cross_entropy,
    soft_targets,
)
from videoaug.train.transforms import InputSpec, tsn_train_transform

C = 3  # classes of the toy problem


class ToyImages(Dataset):
    """Separable toy problem: class c has a bright channel c (plus noise); uint8 (3, 6, 6)."""

    def __init__(self, n, seed=0, soft=False):
        rng = np.random.default_rng(seed)
        self.labels = np.arange(n) % C
        images = rng.integers(0, 90, (n, 3, 6, 6))
        images[np.arange(n), self.labels] += 150
        self.images = torch.from_numpy(images.astype(np.uint8))
        self.soft = soft

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        label = int(self.labels[i])
        if self.soft:  # 0.8 on the true class, 0.1 elsewhere
            target = torch.full((C,), 0.1)
            target[label] = 0.8
            return self.images[i], target, i
        return self.images[i], label, i


def tiny_model(seed=0, dropout=0.0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(3 * 6 * 6, C))


def config(**overrides):
    values = dict(epochs=4, batch_size=8, lr=0.05, weight_decay=0.0, schedule="constant",
                  device="cpu", seed=3, log_every=0)
    values.update(overrides)
    return TrainConfig(**values)


def accuracy(model, dataset):
    return float((predict(model, dataset, 16).argmax(1) == dataset.labels).mean())


def test_model_learns_a_separable_problem():
    train, test = ToyImages(60, seed=0), ToyImages(30, seed=1)
    model = tiny_model()
    before = accuracy(model, test)
    history = Trainer(model, config(), C).fit(train)
    assert accuracy(model, test) > 0.9 > before + 0.2
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert [r["epoch"] for r in history] == [0, 1, 2, 3]
    assert {"lr", "train_loss", "train_acc", "seconds", "n_train"} <= set(history[0])


def _run(seed, epochs=3):
    model = tiny_model(dropout=0.3)
    history = Trainer(model, config(seed=seed, epochs=epochs), C).fit(ToyImages(40))
    return [{k: v for k, v in r.items() if k != "seconds"} for r in history], model.state_dict()


def test_same_seed_same_history_and_weights():
    history_a, weights_a = _run(seed=3)
    history_b, weights_b = _run(seed=3)
    history_c, weights_c = _run(seed=4)
    assert history_a == history_b
    assert all(torch.equal(weights_a[k], weights_b[k]) for k in weights_a)
    assert not torch.equal(weights_a["2.weight"], weights_c["2.weight"])


def test_fit_leaves_the_global_rng_alone():
    model = tiny_model(dropout=0.5)
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    Trainer(model, config(epochs=1), C).fit(ToyImages(16))
    assert torch.equal(torch.rand(3), expected)


def test_soft_labels_are_accepted_and_the_loss_uses_them():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    targets = torch.tensor([[0.8, 0.1, 0.1], [0.0, 0.0, 1.0]])
    expected = -(targets * logits.log_softmax(1)).sum(1).mean()
    torch.testing.assert_close(soft_cross_entropy(logits, targets), expected)
    hard = torch.tensor([1, 2])
    torch.testing.assert_close(soft_cross_entropy(logits, soft_targets(hard, C)),
                               F.cross_entropy(logits, hard))
    with pytest.raises(ValueError, match="soft labels must be"):
        soft_targets(torch.zeros(2, 4), C)
    confidence = {}
    for soft in (False, True):
        model = tiny_model()
        Trainer(model, config(epochs=8, lr=0.01), C).fit(ToyImages(60, soft=soft))
        probs = predict(model, ToyImages(30, seed=1))
        assert (probs.argmax(1) == ToyImages(30, seed=1).labels).mean() > 0.9
        confidence[soft] = probs.max(1).mean()
    # targets of 0.8 on the true class pull the confidence towards 0.8, one-hot ones towards 1
    assert 0.7 < confidence[True] < 0.88 and confidence[False] > 0.9


def test_training_set_can_change_between_epochs():
    calls = []

    class Grow(Callback):
        def on_epoch_start(self, trainer, epoch):
            calls.append(("start", epoch))

        def on_epoch_end(self, trainer, epoch, record):
            record["added"] = 10 * epoch

    def data_for_epoch(epoch):
        calls.append(("data", epoch))
        return ToyImages(12 + 10 * epoch)

    history = Trainer(tiny_model(), config(epochs=3), C).fit(data_for_epoch, callbacks=[Grow()])
    assert [r["n_train"] for r in history] == [12, 22, 32]
    assert [r["added"] for r in history] == [0, 10, 20]
    assert calls[:2] == [("start", 0), ("data", 0)]


def test_batch_transform_is_applied():
    def everything_is_class_two(x, labels, generator):
        assert x.is_floating_point() and 0 <= x.min() and x.max() <= 1
        assert isinstance(generator, torch.Generator)
        return x, soft_targets(torch.full((len(x),), 2), C)

    model = tiny_model()
    Trainer(model, config(), C, batch_transform=everything_is_class_two).fit(ToyImages(48))
    assert (predict(model, ToyImages(30, seed=1)).argmax(1) == 2).all()


def test_predict_shape_rows_and_mode_restored():
    model = tiny_model(dropout=0.5)
    model.train()
    probs = predict(model, ToyImages(10), batch_size=4)
    assert probs.shape == (10, C) and probs.dtype == np.float64
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-12)
    assert model.training
    # eval mode inside: dropout off, so two calls agree
    np.testing.assert_allclose(probs, predict(model, ToyImages(10), batch_size=3), rtol=1e-6)


def test_resume_from_checkpoint_equals_one_run(tmp_path):
    halving = config(epochs=3, schedule="step", step=1, gamma=0.5)
    straight = tiny_model(dropout=0.3)
    Trainer(straight, halving, C).fit(ToyImages(24))
    first = Trainer(tiny_model(dropout=0.3), halving, C)
    first.fit(ToyImages(24), epochs=2)
    first.save_checkpoint(tmp_path / "trainer.pt")
    resumed_model = tiny_model(seed=9, dropout=0.3)
    resumed = Trainer(resumed_model, halving, C)
    resumed.load_checkpoint(tmp_path / "trainer.pt")
    history = resumed.fit(ToyImages(24))
    assert [r["epoch"] for r in history] == [0, 1, 2] and history[2]["lr"] == pytest.approx(0.0125)
    for key, value in straight.state_dict().items():
        assert torch.equal(value, resumed_model.state_dict()[key]), key


def write_noise_store(path, n=24):
    rng = np.random.default_rng(0)
    with atomic_store(path, "videoaug.test/1", {}) as handle:
        writer = ImageStoreWriter(handle, (10, 12), "lz4")
        writer.append(rng.integers(0, 256, (n, 10, 12, 3), dtype=np.uint8), labels=np.arange(n) % C)
    return path


def test_store_training_is_identical_with_and_without_workers(tmp_path):
    path = write_noise_store(tmp_path / "images.h5")
    weights = []
    for workers in (0, 2):
        dataset = ImageSamples(path, transform=tsn_train_transform((8, 8)), seed=1)
        torch.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, C))
        Trainer(model, config(epochs=2, num_workers=workers), C, inputs=InputSpec()).fit(dataset)
        weights.append(model[1].weight.detach().clone())
    assert torch.equal(weights[0], weights[1])


def test_config_and_device_errors(monkeypatch):
    with pytest.raises(ValueError, match="unknown training options"):
        TrainConfig.from_dict({"epochs": 2, "learning_rate": 0.1})
    assert TrainConfig.from_dict({"epochs": 2, "milestones": [1]}).milestones == (1,)
    with pytest.raises(ValueError, match="unknown schedule"):
        TrainConfig(schedule="poly")
    assert resolve_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(ValueError, match="no GPU"):
        resolve_device("cuda:1")
    with pytest.raises(ValueError, match="unknown device|unsupported device"):
        resolve_device("tpu")
    with pytest.raises(ValueError, match="training set is empty"):
        Trainer(tiny_model(), config(), C).fit(ToyImages(0))


def test_a_last_batch_of_one_trains_with_batchnorm_on_1x1_maps():
    # 25 items in batches of 8 (the AVD flow classifier's case): 8 + 8 + 8 + 1. The pooled
    # BatchNorm1d sees one value per channel in the last batch, which PyTorch refuses in
    # training mode; the step runs with BatchNorm's running statistics instead.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 6 * 6, 8), nn.BatchNorm1d(8), nn.ReLU(),
                          nn.Linear(8, C))
    norm = model[2]
    trainer = Trainer(model, config(epochs=1), C)
    weights = [p.detach().clone() for p in model.parameters()]
    history = trainer.fit(ToyImages(25))
    assert history[0]["n_train"] == 25
    # the statistics moved with the three full batches only, the weights with all four steps
    assert int(norm.num_batches_tracked) == 3
    assert all(not torch.equal(a, b) for a, b in zip(weights, model.parameters(), strict=True))
    assert model.training and norm.training  # modes restored after the one-item step
    # a single one-item step: the loss is finite and the running statistics stay as they were
    mean = norm.running_mean.clone()
    x, label, _ = ToyImages(1)[0]
    loss, _, count = trainer.train_step(x[None], torch.tensor([label]), torch.Generator())
    assert count == 1 and np.isfinite(loss)
    assert torch.equal(norm.running_mean, mean) and int(norm.num_batches_tracked) == 3
