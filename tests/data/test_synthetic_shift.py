"""synth4's ``shift`` domain (AVD Table 3): same classes and motion, other appearance; the default
domain is unchanged (same random stream, same folder identity)."""

import numpy as np
import pytest

from videoaug.data.synthetic import (
    SynthParams,
    _manifest_identity,
    clip_rng,
    dataset_entries,
    draw_clip,
    sample_clip_spec,
)


def test_default_identity_has_no_domain_key():
    assert "domain" not in _manifest_identity(SynthParams())["params"]
    assert _manifest_identity(SynthParams(domain="shift"))["params"]["domain"] == "shift"


def test_shift_changes_appearance_not_motion_class():
    params = SynthParams(frames=8, height=48, width=64)
    shift = SynthParams(frames=8, height=48, width=64, domain="shift")
    entry = dataset_entries(params)[0]
    base = sample_clip_spec(entry.class_name, clip_rng(params, entry), params)
    # the shift domain's transformation of the same draw: smaller, thicker, shakier, recoloured
    from videoaug.data.synthetic import shifted_domain

    moved = shifted_domain(base)
    assert moved.class_name == base.class_name and moved.period == base.period
    assert moved.figure_height == pytest.approx(0.7 * base.figure_height)
    assert moved.thickness == 2 * base.thickness
    assert np.allclose(moved.background.upper_top,
                       np.clip(base.background.upper_top[[2, 1, 0]] * 0.7, 0, 255))
    # a shift clip is a new draw (its own seed) rendered in the shift domain
    other = sample_clip_spec(entry.class_name, clip_rng(shift, entry), shift)
    frames_a, _ = draw_clip(base, params)
    frames_b, _ = draw_clip(other, shift)
    assert frames_a.shape == frames_b.shape and not np.array_equal(frames_a, frames_b)


def test_unknown_domain_is_rejected():
    with pytest.raises(ValueError, match="domain"):
        SynthParams(domain="mars")
