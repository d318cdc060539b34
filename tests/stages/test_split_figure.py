"""The split figures (videoaug.stages.split_figure): which clips each shows, and a real PNG."""

import cv2
import pytest

from videoaug.data.synthetic import SynthParams, generate_synth4
from videoaug.data.synthetic.variants import BIASED_VARIANTS
from videoaug.provenance import read_json
from videoaug.stages.split_figure import split_figure, variant_rows

TINY = {"frames": 6, "height": 32, "width": 48, "fps": 10, "train_per_class": 3,
        "test_per_class": 2}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("split_figure")
    return {name: generate_synth4(root / name, SynthParams(**TINY, **options), progress=False)
            for name, options in (("bias", {"scene": "biased"}),
                                  ("motion", {"scene": "independent"}))}


def test_variant_rows_are_every_variant_of_the_first_test_clip_of_each_shown_class(folders):
    manifest = read_json(folders["bias"] / "synth4.json")
    rows = variant_rows(manifest, classes=2)
    assert [r["variant"] for r in rows] == list(BIASED_VARIANTS) * 2
    assert [r["class_name"] for r in rows] == ["GolfSwing"] * 6 + ["Shotput"] * 6
    assert {r["base"] for r in rows} == {"GolfSwing/v_GolfSwing_g01_c01",
                                         "Shotput/v_Shotput_g01_c01"}


@pytest.mark.parametrize(("name", "taller"), [("bias", True), ("motion", False)])
def test_figure_is_written(folders, tmp_path, name, taller):
    out = tmp_path / f"{name}.png"
    split_figure(folders[name] / "synth4.json", name, out, classes=2, frames=3)
    image = cv2.imread(str(out))
    assert image is not None
    # 12 variant rows of 3 frames: taller than wide; 4 class rows of 3 training videos: wider
    assert (image.shape[0] > image.shape[1]) == taller
