"""Learn2Augment ablations (Tables 1 and 2) on a tiny synth4: the same budget in every row, and
each switch changes what it claims (MixUp carries no mask, matching off leaves the matched class,
people boxes are boxes of the people mask, ablation Selectors keep their own settings)."""

import json
from pathlib import Path

import numpy as np
import pytest

from tests.methods.l2a.test_selector_stage import PARAMS, _classifier_params, tiny  # noqa: F401
from videoaug.config import load_config
from videoaug.methods.l2a import ablation as l2a_ablation
from videoaug.methods.l2a.compose import (
    Variant,
    composite_pair,
    mask_boxes,
    mixup_lambda,
)
from videoaug.methods.l2a.params import (
    ablation_selector_params,
    l2a_selector_params,
    l2a_train_params,
)
from videoaug.methods.l2a.selector_stage import (
    SelectorParams,
    all_pairs,
    build_pool,
    read_top_pairs,
    sample_pairs,
    score_pairs_stage,
    train_selector_stage,
)
from videoaug.methods.l2a.stores import L2AStores
from videoaug.methods.l2a.train_stage import choose_pairs, pair_space, search_space_size

CONFIG = Path(__file__).resolve().parents[3] / "config.yaml"


def _selector(tiny, tmp_path, key):  # noqa: F811
    """A Selector and its pairs.h5 for ablation ``key`` ('' = the full method)."""
    params = PARAMS
    if key:
        abl = l2a_ablation.ABLATIONS[f"l2a_{key}"]
        params = SelectorParams.from_dict({**PARAMS.__dict__, "hidden": list(PARAMS.hidden),
                                           "mask": abl.mask, "background": abl.background,
                                           "pairing": abl.pairing, "blend": abl.blend})
    out = tmp_path / (key or "full") / "selector.pt"
    out.parent.mkdir(parents=True)
    train_selector_stage(tiny["manifest"], [tiny["frames"]], [tiny["masks"]], [tiny["bgs"]],
                         tiny["features"], tiny["matches"], params, out)
    pairs = out.with_name("pairs.h5")
    score_pairs_stage(tiny["manifest"], tiny["features"], tiny["matches"], out, params, pairs)
    return pairs


def test_method_names_and_switches():
    t1 = l2a_ablation.TABLE1
    assert len(t1) == 8 and len({(a.selector, a.blend, a.pairing) for a in t1.values()}) == 8
    assert t1["l2a"] == l2a_ablation.Ablation() and not t1["l2a_random"].selector
    none = t1["l2a_random_nocomp_nomatch"]
    assert (none.selector, none.blend, none.pairing) == (False, "mixup", "any")
    assert set(l2a_ablation.SELECTOR_KEYS) == {"nomatch", "nocomp", "nocomp_nomatch", "noinpaint",
                                               "noseg", "noobj", "noall"}
    assert l2a_ablation.pairs_store("l2a_random_nocomp") == "l2a/pairs.h5"  # matched space
    assert l2a_ablation.pairs_store("l2a_random_nomatch") is None  # from the manifest
    assert l2a_ablation.pairs_store("l2a_noseg") == "l2a/ablate/noseg/pairs.h5"
    assert not l2a_ablation.uses_masks("l2a_nocomp") and l2a_ablation.uses_masks("l2a_noall")
    with pytest.raises(ValueError, match="nocomp"):
        ablation_selector_params(load_config([CONFIG]), "synth4", "l2a")


def test_every_table_row_gets_the_same_budget(tiny, tmp_path):  # noqa: F811
    manifest = json.loads(tiny["manifest"].read_text())
    stores = {key: _selector(tiny, tmp_path, key) for key in ("", "nocomp_nomatch", "noall")}
    budget = 5
    chosen = {}
    for method in [*l2a_ablation.TABLE1, *l2a_ablation.TABLE2]:
        key = l2a_ablation.selector_key(method)
        pairs = stores.get(key or "", stores[""])
        chosen[method] = choose_pairs(method, manifest, pairs, budget, seed=1)
        assert len(chosen[method]) == budget, method
    # Selector rows take the top of their own store; Selector-less rows of one search space
    # draw the same pairs, so they differ only by the transform
    top = [(a, b) for a, b, _ in read_top_pairs(stores["noall"], budget)]
    assert [(a, b) for a, b, _ in chosen["l2a_noall"]] == top

    def ids(method):
        return [(a, b) for a, b, _ in chosen[method]]

    assert ids("l2a_random") == ids("l2a_random_nocomp")
    assert ids("l2a_random_nomatch") == ids("l2a_random_nocomp_nomatch")
    assert ids("l2a_random") != ids("l2a_random_nomatch")


def test_matching_off_leaves_the_matched_class(tiny, tmp_path):  # noqa: F811
    manifest = json.loads(tiny["manifest"].read_text())
    label = {v["id"]: v["label"] for v in manifest["videos"]}
    matches = json.loads(tiny["matches"].read_text())["matches"]
    classes = manifest["classes"]
    matched = {c: classes.index(matches[classes[c]]) for c in range(len(classes))}
    n_train = sum(v["split"] == "train" for v in manifest["videos"])
    space = pair_space("l2a_random_nomatch", manifest, None)
    assert len(space) == n_train * (n_train - 1) and all(a != b for a, b in space)
    assert any(label[b] != matched[label[a]] for a, b in space)
    assert sum(label[a] == label[b] for a, b in space) > 0  # same-class pairs too
    on = pair_space("l2a_random", manifest, _selector(tiny, tmp_path, ""))
    assert all(label[b] == matched[label[a]] for a, b in on)
    assert search_space_size("l2a_random_nomatch", manifest, None) == {"search_space": len(space)}
    # the REINFORCE candidates: matched pairs stay in the matched class, "any" pairs do not
    pool = build_pool(manifest, tiny["features"], {"matches": matches}, PARAMS)
    rng = np.random.default_rng(0)
    cand = sample_pairs(pool, 200, rng, "any")
    assert np.all(cand[:, 0] != cand[:, 1]) and set(cand.ravel()) <= set(pool.pool)
    assert np.any(pool.labels[cand[:, 1]] != pool.matched[pool.labels[cand[:, 0]]])
    cand = sample_pairs(pool, 200, rng, "matched")
    assert np.all(pool.labels[cand[:, 1]] == pool.matched[pool.labels[cand[:, 0]]])
    assert all_pairs(np.array([3, 5, 7])).tolist() == [[3, 5], [3, 7], [5, 3], [5, 7], [7, 3],
                                                       [7, 5]]


def test_nomatch_selector_scores_the_whole_space(tiny, tmp_path):  # noqa: F811
    manifest = json.loads(tiny["manifest"].read_text())
    pairs = _selector(tiny, tmp_path, "nocomp_nomatch")
    n_train = sum(v["split"] == "train" for v in manifest["videos"])
    size = search_space_size("l2a_nocomp_nomatch", manifest, pairs)
    assert size["search_space"] == n_train * (n_train - 1)
    assert 0 <= size["selector_keeps"] <= size["search_space"]


def test_compositing_off_is_mixup_without_masks(tiny):  # noqa: F811
    stores = L2AStores([tiny["frames"]], [tiny["masks"]], [tiny["bgs"]], num_classes=4)
    ids = stores.video_ids()
    fg, bg = ids[0], ids[-1]
    out = composite_pair(stores, fg, bg, Variant(blend="mixup"))
    lam = mixup_lambda(fg, bg)
    assert lam == mixup_lambda(fg, bg) and lam != mixup_lambda(bg, fg)  # one draw per pair
    a = stores.frames(fg).astype(np.float64)
    b = stores.frames(bg).astype(np.float64)[np.arange(len(a)) % len(stores.frames(bg))]
    np.testing.assert_array_equal(out.frames, np.rint(lam * a + (1 - lam) * b).astype(np.uint8))
    # no mask-based blending: inside and outside the foreground mask the weight is the same λ
    mask = stores.mask(fg)
    assert mask.any() and (~mask).any()
    expected = np.zeros(4)
    expected[stores.label(fg)] += lam
    expected[stores.label(bg)] += 1 - lam
    np.testing.assert_allclose(out.label, expected, atol=1e-6)
    comp = composite_pair(stores, fg, bg)
    assert not np.array_equal(comp.frames, out.frames)
    # the store-free reading of the row: MixUp needs neither masks nor backgrounds
    frames_only = L2AStores([tiny["frames"]], [], [], num_classes=4)
    np.testing.assert_array_equal(
        composite_pair(frames_only, fg, bg, Variant(blend="mixup")).frames, out.frames)


def test_people_boxes_are_the_boxes_of_the_people_mask(tiny):  # noqa: F811
    mask = np.zeros((2, 12, 16), bool)
    mask[0, 2:4, 3:5] = True
    mask[0, 3, 5] = True  # an L shape: its box is 2x3
    mask[0, 8:10, 10:14] = True
    boxes = mask_boxes(mask)
    expected = np.zeros_like(mask)
    expected[0, 2:4, 3:6] = True
    expected[0, 8:10, 10:14] = True
    np.testing.assert_array_equal(boxes, expected)
    assert not boxes[1].any()
    stores = L2AStores([tiny["frames"]], [tiny["masks"]], [tiny["bgs"]], num_classes=4)
    fg, bg = stores.video_ids()[0], stores.video_ids()[-1]
    out = composite_pair(stores, fg, bg, Variant(mask="people_boxes", background="raw"))
    box = mask_boxes(stores.mask(fg, "people"))
    assert out.gamma == pytest.approx(box.mean())
    np.testing.assert_array_equal(out.frames[box], stores.frames(fg)[box])
    np.testing.assert_array_equal(out.frames[~box], stores.frames(bg)[~box])


def test_selector_params_of_the_ablations():
    config = load_config([CONFIG])
    full = SelectorParams.from_dict(
        {**ablation_selector_params(config, "synth4", "noinpaint"), "background": "inpainted"})
    base = SelectorParams.from_dict(
        l2a_selector_params(config, "synth4"))
    # defaults leave the resume key (and so the stores) as the full method's always were
    assert base.resume_key() == full.resume_key()
    assert not {"pairing", "blend", "mixup_alpha"} & set(base.resume_key())
    nocomp = SelectorParams.from_dict(ablation_selector_params(config, "synth4", "nocomp"))
    assert nocomp.resume_key()["blend"] == "mixup" and nocomp.variant().blend == "mixup"
    assert nocomp.resume_key()["mixup_alpha"] == config["l2a"]["ablation"]["mixup_alpha"]
    noall = SelectorParams.from_dict(ablation_selector_params(config, "synth4", "noall"))
    assert noall.variant() == Variant("people_boxes", "raw")
    with pytest.raises(ValueError, match="pairing"):
        SelectorParams(pairing="all")
    with pytest.raises(ValueError, match="blend"):
        SelectorParams(blend="cutmix")


def test_train_params_of_mixup_rows():
    config = load_config([CONFIG])
    assert l2a_train_params(config, "synth4", "l2a_nocomp")["mixup_alpha"] == 1.0
    assert "mixup_alpha" not in l2a_train_params(config, "synth4", "l2a")


def test_train_l2a_records_the_row(tiny, tmp_path):  # noqa: F811
    from tests.result_contract import RESULT_KEYS
    from videoaug.methods.l2a.train_stage import train_l2a

    res = train_l2a(tiny["manifest"], [tiny["frames"]], [], [], None,
                    _classifier_params("l2a_random_nocomp_nomatch"), tmp_path / "r.json")
    assert RESULT_KEYS <= set(res) and res["counts"]["train_generated"] == 5
    assert res["ablation"]["video_compositing"] is False
    assert res["ablation"]["semantic_matching"] is False and res["ablation"]["selector"] is False
    assert res["counts"]["search_space"] == 12 * 11
