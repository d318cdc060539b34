"""Policy strings: parsing, canonical text, slugs (safe, unique, reversible), errors, calls."""

from __future__ import annotations

import re

import pytest
import torch

from videoaug.augment import mixing as M
from videoaug.augment.policy import (
    RECIPE_NAMES,
    LabelPreserving,
    parse_policy,
    policy_from_slug,
    policy_slug,
    released_variant,
)
from videoaug.augment.randaugment_t import RandAugmentT

EXAMPLES = {
    "none": "none",
    "randaug:n2:m9": "randaug:n2:m9",
    "randaug-t:n2:m9:temporal+": "randaug-t:n2:m9:temporal+",
    "randaug-t": "randaug-t:n2:m9:temporal+",
    "randaug-t:m9:n2:spatial": "randaug:n2:m9",
    "randaug-t:n3:m12.5:mix": "randaug-t:n3:m12.5:mix",
    "mixup:a1": "mixup:a1",
    "mixup": "mixup:a1",
    "framemixup:a1": "framecutmixup:a1",
    "cubemixup:a2": "cubecutmixup:a2",
    "cutmix:a2:p0.5": "cutmix:a2:p0.5",
    "cutmix:p1:a2": "cutmix:a2",
    "framecutmix:a5:p0.5": "framecutmix:a5:p0.5",
    "cubecutmix:a2": "cubecutmix:a2",
    "cutout": "cutout",
    "framecutout": "framecutout",
    "cubecutout:t0.5:s0.25": "cubecutout:s0.25:t0.5",
    "cutmixup:a1": "cutmixup:a1",
    "cutmixup:o1:a0.2": "cutmixup:a0.2:o1",
    "fademixup:a1": "fademixup:a1",
    "randaug-t:n2:m9:temporal+,fademixup:a1": "randaug-t:n2:m9:temporal+,fademixup:a1",
    "randaug:n1:m5,cutmix:a2:p0.5": "randaug:n1:m5,cutmix:a2:p0.5",
    "mixup:a0.00001": "mixup:a0.00001",
    "mixup:a1e-5": "mixup:a0.00001",
    # the convention word: written last, and only when it is not the default
    "randaug-t:n2:m9:temporal+:released": "randaug-t:n2:m9:temporal+:released",
    "randaug-t:released:m9:n2": "randaug-t:n2:m9:temporal+:released",
    "randaug-t:n1:m3:spatial:released": "randaug:n1:m3:released",
    "randaug:n2:m9:randaugment": "randaug:n2:m9",
    "cutmixup:a1:released": "cutmixup:a1:released",
    "framemixup:released": "framecutmixup:a1:released",
    "cutmix:released:p0.5:a2,fademixup:released": "cutmix:a2:p0.5:released,fademixup:a1:released",
}


@pytest.mark.parametrize(("text", "canonical"), EXAMPLES.items())
def test_canonical_text(text, canonical):
    assert parse_policy(text).text == canonical


@pytest.mark.parametrize("text", EXAMPLES)
def test_slug_is_filename_safe_and_reversible(text):
    slug = policy_slug(text)
    assert re.fullmatch(r"[a-z0-9.\-_]+", slug), slug
    assert policy_from_slug(slug) == parse_policy(text).text
    assert parse_policy(text).slug == slug


def test_slugs_are_unique_per_behaviour():
    canonical_to_slug = {parse_policy(text).text: policy_slug(text) for text in EXAMPLES}
    assert len(set(canonical_to_slug.values())) == len(canonical_to_slug)
    assert policy_slug("randaug-t:n2:m9:temporal+") == "randaug-t-n2-m9-temporalp"
    assert policy_slug("randaug-t:n2:m9:temporal+,fademixup:a1") == (
        "randaug-t-n2-m9-temporalp_fademixup-a1"
    )
    assert policy_slug("cutmix:a2:p0.5") == "cutmix-a2-p0.5"


def test_steps_are_the_named_recipes_with_their_options():
    policy = parse_policy("randaug-t:n3:m7:temporal,cutmix:a2:p0.5")
    first, second = policy.steps
    assert isinstance(first, LabelPreserving)
    assert first.transform == RandAugmentT(n=3, m=7.0, mode="temporal")
    assert second == M.CutMix(alpha=2.0, p=0.5)
    assert parse_policy("randaug:n2:m9").steps[0].transform.mode == "spatial"
    assert parse_policy("framemixup:a5").steps[0] == M.FrameCutMixUp(alpha=5.0)
    assert parse_policy("cubecutout:s0.25").steps[0] == M.CubeCutOut(size=0.25)
    assert parse_policy("none").steps == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty policy"),
        ("blur:a1", r"unknown augmentation 'blur'.*valid names: none, randaug, randaug-t"),
        ("mixup:x3", r"bad option 'x3' in step 'mixup:x3'.*valid options for 'mixup': a<number>"),
        ("mixup:a", r"bad option 'a'"),
        ("mixup:afoo", r"bad option 'afoo'.*expected a number after 'a'"),
        ("randaug:n2.5", r"expected an integer after 'n'"),
        ("randaug:temporal", r"bad option 'temporal'.*n<int>, m<number>"),
        ("randaug-t:sideways", r"bad option 'sideways'.*mode \(spatial \| temporal"),
        ("randaug-t:temporal:mix", r"mode given twice"),
        ("mixup:a1:a2", r"option 'a' given twice in step 'mixup:a1:a2'"),
        ("cutmix:p2", r"invalid step 'cutmix:p2'.*p must be in \[0, 1\]"),
        ("mixup:anan", r"must be finite"),
        ("none,mixup", r"'none' cannot be combined"),
        ("mixup,,cutmix", r"empty step"),
        ("mixup,", r"empty step"),
        ("mixup: a1", r"contains a space"),
        ("cutmix:o1", r"bad option 'o1'.*valid options for 'cutmix': a<number>, p<number>$"),
        ("mixup:releasd", r"bad option 'releasd'.*convention \(randaugment \| released\)"),
        ("mixup:released:randaugment", r"convention given twice"),
        ("cutout:released", r"'cutout' takes no convention.*project's addition"),
        ("cutmixup:o1:released", r"offset 1.0 has no meaning in the released convention"),
    ],
)
def test_parse_errors_name_the_bad_part(text, message):
    with pytest.raises(ValueError, match=message):
        parse_policy(text)


def test_released_word_builds_released_steps_and_keeps_old_slugs():
    ra_t, mix = parse_policy("randaug-t:n2:m9:temporal+:released,cutmixup:a1:released").steps
    assert ra_t.transform == RandAugmentT(2, 9.0, "temporal+", "released")
    assert mix == M.CutMixUp(alpha=1.0, convention="released")
    assert parse_policy("randaug-t:n2:m9:temporal+").steps[0].transform.convention == "randaugment"
    assert parse_policy("cutmix:a2").steps[0].convention == "randaugment"
    assert policy_slug("randaug-t:n2:m9:temporal+:released") == (
        "randaug-t-n2-m9-temporalp-released")
    assert policy_slug("cutmixup:a1:released") == "cutmixup-a1-released"
    assert policy_slug("randaug-t:n2:m9:temporal+:randaugment") == "randaug-t-n2-m9-temporalp"


def test_released_variant_converts_every_step():
    assert released_variant("randaug-t:n2:m9:temporal+") == "randaug-t:n2:m9:temporal+:released"
    assert released_variant("framemixup:a1") == "framecutmixup:a1:released"
    assert released_variant("randaug:n1:m5,cutmix:a2:p0.5") == (
        "randaug:n1:m5:released,cutmix:a2:p0.5:released")
    assert released_variant("mixup:a1:released") == "mixup:a1:released"
    assert released_variant("none") == "none"
    assert released_variant("cutout") is None  # the project's addition: no released form
    assert released_variant("randaug:n2:m9,cubecutout") is None


def test_every_listed_name_parses():
    for name in RECIPE_NAMES:
        assert parse_policy(name).text.split(":")[0] in RECIPE_NAMES


@pytest.mark.parametrize("slug", ["cutmix-a2-p0.5-x", "randaug-temporalp", "mixup-a1_", "mixup"])
def test_bad_or_non_canonical_slugs_raise(slug):
    with pytest.raises(ValueError, match="slug"):
        policy_from_slug(slug)


def test_policy_call_augments_clips_and_mixes_labels():
    gen = torch.Generator().manual_seed(0)
    clips = torch.randint(0, 256, (6, 3, 5, 12, 12), dtype=torch.uint8, generator=gen)
    labels = M.soft_targets(torch.tensor([0, 1, 2, 0, 1, 2]), 3)
    policy = parse_policy("randaug-t:n2:m9:temporal+,fademixup:a1")
    with torch.no_grad():
        out, mixed = policy(clips, labels, torch.Generator().manual_seed(1))
        again, mixed_again = policy(clips, labels, torch.Generator().manual_seed(1))
    assert out.dtype == torch.uint8 and out.shape == clips.shape
    assert mixed.shape == labels.shape and torch.allclose(mixed.sum(dim=1), torch.ones(6))
    assert not torch.equal(mixed, labels)
    assert torch.equal(out, again) and torch.equal(mixed, mixed_again)


def test_policy_applies_steps_in_order_with_one_generator():
    gen = torch.Generator().manual_seed(2)
    clips = torch.rand((4, 3, 4, 10, 10), generator=gen)
    labels = M.soft_targets(torch.arange(4), 4)
    policy = parse_policy("randaug:n1:m9,cutmix:a1")
    out, mixed = policy(clips, labels, torch.Generator().manual_seed(3))
    manual_gen = torch.Generator().manual_seed(3)
    augment = RandAugmentT(1, 9.0, "spatial")
    cutmix = M.CutMix(alpha=1.0)
    ra_params = augment.make_params(clips.shape, manual_gen)
    mix_params = cutmix.make_params(clips.shape, manual_gen)
    expected, expected_labels = cutmix.apply(augment.apply(clips, ra_params), labels, mix_params)
    assert torch.equal(out, expected) and torch.equal(mixed, expected_labels)


def test_none_policy_returns_inputs_and_labels_are_checked():
    clips = torch.zeros((2, 3, 2, 4, 4), dtype=torch.uint8)
    labels = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    out, kept = parse_policy("none")(clips, labels, torch.Generator())
    assert out is clips and kept is labels
    with pytest.raises(ValueError, match="float soft targets"):
        parse_policy("randaug:n2:m9")(clips, torch.eye(2, dtype=torch.int64),
                                      torch.Generator())
    with pytest.raises(ValueError, match=r"\(B, num_classes\)"):
        parse_policy("mixup")(clips, torch.tensor([0.0, 1.0]), torch.Generator())
