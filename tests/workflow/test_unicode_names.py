"""Class and file names with non-ASCII letters, spaces and quotes pass every stage: stores keep ids
as UTF-8 strings, shell commands quote paths, per-class jobs take the names as wildcards."""

import json

import pytest

from tests.conftest import make_video
from tests.workflow.conftest import copy_project, snakemake
from videoaug.methods.l2a.selector_stage import read_features

NAMES = {
    "Café": ["crème brûlée", "b", "c", "d"],
    "Playing Guitar": ["take 1", "take 2", "take 3", "take 4"],
    "Don't Stop": ["it's \"live\"", "x", "y", "z"],
}
FAMILY_TARGETS = ("results/caf_sps.json", "results/caf_tda_none.json", "results/caf_l2a.json",
                  "results/caf_avd_flow.json")


def _project(tmp_path):
    workdir = copy_project(tmp_path / "p")
    root = workdir / "caf"
    for cls, stems in NAMES.items():
        for k, stem in enumerate(stems):
            make_video(root / cls / f"{stem}.mp4", frames=12 + 2 * k)
    (workdir / "caf.yaml").write_text(
        f"datasets:\n  caf:\n    kind: folder\n    root: {root}\n    test_fraction: 0.25\n")
    return workdir


@pytest.mark.slow  # decodes and trains a Selector (~20 s): make test-all
def test_names_pass_decoding_and_the_selector_features(tmp_path):
    workdir = _project(tmp_path)
    # every family's DAG builds with these names as wildcards and paths
    plan = snakemake(workdir, "--cores", "2", "-n", *FAMILY_TARGETS, extra_config="caf.yaml")
    assert "cache/caf/gan/Don't Stop_pool.h5" in plan.stdout
    snakemake(workdir, "--cores", "2", "cache/caf/manifest.json", "cache/caf/frames/index.json",
              "cache/caf/l2a/features.h5", extra_config="caf.yaml")
    manifest = json.loads((workdir / "cache/caf/manifest.json").read_text())
    assert manifest["classes"] == sorted(NAMES)
    ids, _, _ = read_features(workdir / "cache/caf/l2a/features.h5")
    assert sorted(ids) == sorted(v["id"] for v in manifest["videos"])
    assert "Café/crème brûlée" in ids and "Don't Stop/it's \"live\"" in ids


@pytest.mark.slow
def test_every_family_runs_on_names_with_accents_spaces_and_quotes(tmp_path):
    # ~35 jobs on the ci preset: the SPS GAN per class, TDA, L2A (masks, Selector, classifier)
    # and AVD (flow, model, classifier)
    workdir = _project(tmp_path)
    snakemake(workdir, "--cores", "2", *FAMILY_TARGETS, extra_config="caf.yaml", timeout=3600)
    for target in FAMILY_TARGETS:
        result = json.loads((workdir / target).read_text())
        assert result["dataset"] == "caf" and result["metrics"], target
    assert (workdir / "cache/caf/gan/Don't Stop_pool.h5").exists()
