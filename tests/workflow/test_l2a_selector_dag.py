"""Learn2Augment part 2 through Snakemake on the ci preset: features, the Selector (REINFORCE),
its figure and the scored pairs with the search-space size and budget."""

import json

import h5py
import pytest

from tests.result_contract import RESULT_KEYS
from tests.workflow.conftest import snakemake

TARGETS = ("cache/synth4/l2a/pairs.h5", "results/figures/synth4_l2a_selector.png",
           "results/synth4_l2a.json", "results/synth4_l2a_none.json")


@pytest.fixture(scope="module")
def selector_project(built_project):
    snakemake(built_project, "--cores", "2", *TARGETS)
    return built_project


@pytest.mark.slow  # the Selector and classifier end to end (~40 s): make test-all
def test_selector_artefacts(selector_project):
    l2a = selector_project / "cache" / "synth4" / "l2a"
    for name in ("features.h5", "selector.pt", "selector_log.json", "pairs.h5"):
        assert (l2a / name).exists(), name
    assert not (l2a / "selector.pt.partial").exists()
    log = json.loads((l2a / "selector_log.json").read_text())
    assert len(log["steps"]) == 6 and log["val_videos"] >= 4
    with h5py.File(l2a / "pairs.h5") as handle:
        # ci synth4: 4 training videos per class, each x the 4 of its matched class
        assert handle.attrs["search_space"] == 4 * 4 * 4 and handle.attrs["budget"] == 8
    png = selector_project / TARGETS[1]
    assert png.stat().st_size > 10_000
    assert (selector_project / "logs" / "synth4" / "train_selector.log").exists()


@pytest.mark.slow  # the Selector and classifier end to end (~40 s): make test-all
def test_classifier_results(selector_project):
    results = {m: json.loads((selector_project / f"results/synth4_{m}.json").read_text())
               for m in ("l2a", "l2a_none")}
    for method, result in results.items():
        assert RESULT_KEYS <= set(result) and result["method"] == method
    assert results["l2a"]["counts"]["train_generated"] == 8  # ci budget
    assert results["l2a_none"]["counts"]["train_generated"] == 0
