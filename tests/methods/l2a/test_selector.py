"""Selector, Eq. 4-6 pieces and REINFORCE on a toy problem (videoaug.methods.l2a.selector)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from videoaug.methods.l2a.selector import (
    PairBatch,
    Selector,
    bernoulli_log_prob,
    bernoulli_log_prob_from_logits,
    moving_average_baseline,
    reinforce_loss,
    reinforce_step,
    reward,
    roc_auc,
)


def test_selector_shapes_and_range():
    sel = Selector(feature_dim=6, num_classes=3, hidden=(8, 4))
    f = torch.randn(5, 6)
    y = torch.tensor([0, 1, 2, 0, 1])
    omega = sel(f, f.flip(0), y, y.flip(0))
    assert omega.shape == (5,)
    assert torch.all((omega > 0) & (omega < 1))
    assert sel.inputs(f, f, y, y).shape == (5, 2 * 6 + 2 * 3)
    # linear layers: input, 8, 4, 1
    assert [m.out_features for m in sel.mlp if isinstance(m, torch.nn.Linear)] == [8, 4, 1]
    with pytest.raises(ValueError, match="features"):
        sel(f[:, :5], f[:, :5], y, y)
    with pytest.raises(ValueError, match="labels"):
        sel(f, f, y[:4], y)


def test_selector_default_hidden_is_papers():
    sel = Selector(feature_dim=2, num_classes=2)
    assert sel.hidden == (2048, 1024, 512)


def test_selector_uses_both_labels():
    torch.manual_seed(0)
    sel = Selector(feature_dim=2, num_classes=3, hidden=(16,))
    f = torch.zeros(1, 2)
    a = sel(f, f, torch.tensor([0]), torch.tensor([1]))
    b = sel(f, f, torch.tensor([0]), torch.tensor([2]))
    assert not torch.allclose(a, b)


def test_baseline_follows_eq6():
    losses = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0]
    assert moving_average_baseline([], 5) is None
    assert moving_average_baseline(losses[:2], 5) == pytest.approx(2.0)
    # last five of seven: 4, 1, 5, 9, 2
    assert moving_average_baseline(losses, 5) == pytest.approx((4 + 1 + 5 + 9 + 2) / 5)
    assert moving_average_baseline(losses, 1) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        moving_average_baseline(losses, 0)


def test_reward_sign():
    assert reward(1.0, 2.0) == pytest.approx(1.0)  # loss below the average: positive
    assert reward(3.0, 2.0) == pytest.approx(-1.0)
    assert reward(1.0, 2.0, sign=-1.0) == pytest.approx(-1.0)  # the paper's printed L_val - delta
    assert reward(1.0, None) == 0.0


def test_bernoulli_log_prob_closed_form_and_gradient():
    torch.manual_seed(1)
    logits = torch.randn(7, dtype=torch.float64, requires_grad=True)
    actions = torch.tensor([1, 0, 1, 1, 0, 0, 1], dtype=torch.float64)
    omega = torch.sigmoid(logits)
    lp = bernoulli_log_prob(omega, actions)
    expected = sum(math.log(w) if a else math.log(1 - w)
                   for w, a in zip(omega.tolist(), actions.tolist(), strict=True))
    assert float(lp.detach()) == pytest.approx(expected, rel=1e-12)
    from_logits = bernoulli_log_prob_from_logits(logits, actions).detach()
    assert float(from_logits) == pytest.approx(expected)
    # d/d logit of log pi = a - sigma(logit) (closed form), and the same through omega
    (grad,) = torch.autograd.grad(bernoulli_log_prob_from_logits(logits, actions), logits)
    torch.testing.assert_close(grad, actions - omega.detach())
    omega_leaf = omega.detach().requires_grad_(True)
    (g_omega,) = torch.autograd.grad(bernoulli_log_prob(omega_leaf, actions), omega_leaf)
    torch.testing.assert_close(g_omega, actions / omega_leaf - (1 - actions) / (1 - omega_leaf))
    # REINFORCE loss gradient is -R times the log-probability gradient
    (g_loss,) = torch.autograd.grad(
        reinforce_loss(bernoulli_log_prob_from_logits(logits, actions), 0.5), logits)
    torch.testing.assert_close(g_loss, -0.5 * (actions - omega.detach()))
    with pytest.raises(ValueError):
        bernoulli_log_prob(omega, actions[:3])


def test_roc_auc_against_pairwise_count():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, 40).astype(float)  # ties on purpose
    pos = rng.random(40) < 0.4
    pairs = [(1.0 if s > t else 0.5 if s == t else 0.0)
             for s in scores[pos] for t in scores[~pos]]
    assert roc_auc(scores, pos) == pytest.approx(np.mean(pairs))
    with pytest.raises(ValueError):
        roc_auc(scores, np.ones(40, bool))


# ---------------------------------------------------------------------------------- toy
def _toy_auc(seed: int, reward_sign: float, steps: int = 150) -> float:
    """Pairs of kind 'good' carry a correctly labelled training example for a logistic
    regression, pairs of kind 'bad' the same example with a flipped label: selecting good pairs
    lowers the toy validation loss, bad ones raise it. Returns the trained Selector's ROC AUC
    for ranking good pairs above bad ones on fresh pairs."""
    gen = torch.Generator().manual_seed(seed)
    dim, feat, batch = 4, 6, 16
    w_true = torch.randn(dim, generator=gen)
    x_val = torch.randn(256, dim, generator=gen)
    y_val = (x_val @ w_true > 0).float()
    kind_dir = torch.randn(feat, generator=gen)

    def make_batch(n: int):
        good = torch.rand(n, generator=gen) < 0.5
        sign = torch.where(good, 1.0, -1.0)[:, None]
        f1 = sign * kind_dir + 0.7 * torch.randn(n, feat, generator=gen)
        f2 = torch.randn(n, feat, generator=gen)
        y1 = torch.randint(0, 3, (n,), generator=gen)
        y2 = torch.randint(0, 3, (n,), generator=gen)
        x = torch.randn(n, dim, generator=gen)
        y = (x @ w_true > 0).float()
        y = torch.where(good, y, 1 - y)
        return PairBatch(f1, f2, y1, y2, torch.zeros(n, 2, dtype=torch.long)), good, x, y

    torch.manual_seed(seed)
    selector = Selector(feat, 3, hidden=(32, 16))
    optimizer = torch.optim.Adam(selector.parameters(), lr=3e-3)
    losses: list[float] = []
    w = torch.zeros(dim)
    for step in range(steps):
        if step % 25 == 0:  # reset the classifier as the paper does
            w = torch.zeros(dim)
        pairs, _, x, y = make_batch(batch)

        def validate(actions, x=x, y=y):
            nonlocal w
            keep = actions > 0
            if keep.any():
                p = torch.sigmoid(x[keep] @ w)
                w = w - 1.0 * ((p - y[keep])[:, None] * x[keep]).mean(0)
            return float(torch.nn.functional.binary_cross_entropy_with_logits(
                x_val @ w, y_val))

        reinforce_step(selector, optimizer, pairs, validate, losses,
                       generator=gen, reward_sign=reward_sign)
    pairs, good, _, _ = make_batch(400)
    with torch.no_grad():
        scores = selector(pairs.f1, pairs.f2, pairs.y1, pairs.y2).numpy()
    return roc_auc(scores, good.numpy())


def test_reinforce_ranks_helpful_pairs_first():
    aucs = [_toy_auc(seed, reward_sign=1.0) for seed in range(3)]
    assert np.mean(aucs) >= 0.8, aucs
    assert min(aucs) >= 0.7, aucs


def test_reinforce_with_flipped_reward_does_not():
    aucs = [_toy_auc(seed, reward_sign=-1.0) for seed in range(3)]
    assert np.mean(aucs) < 0.5, aucs


def test_reinforce_step_record_and_history():
    torch.manual_seed(0)
    sel = Selector(2, 2, hidden=(4,))
    opt = torch.optim.SGD(sel.parameters(), lr=0.1)
    pairs = PairBatch(torch.randn(8, 2), torch.randn(8, 2), torch.zeros(8, dtype=torch.long),
                      torch.ones(8, dtype=torch.long), torch.zeros(8, 2, dtype=torch.long))
    losses: list[float] = []
    gen = torch.Generator().manual_seed(0)
    seen = []
    rec0 = reinforce_step(sel, opt, pairs, lambda a: seen.append(a) or 2.0, losses, generator=gen)
    assert rec0["reward"] == 0.0 and math.isnan(rec0["delta"])
    before = [p.detach().clone() for p in sel.parameters()]
    rec1 = reinforce_step(sel, opt, pairs, lambda a: 1.5, losses, generator=gen)
    assert rec1["delta"] == pytest.approx(2.0) and rec1["reward"] == pytest.approx(0.5)
    assert losses == [2.0, 1.5]
    assert set(seen[0].unique().tolist()) <= {0.0, 1.0}
    assert any(not torch.equal(a, b) for a, b in zip(before, sel.parameters(), strict=True))
