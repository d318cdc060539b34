"""Learn2Augment part 1 through Snakemake on the ci preset: masks, backgrounds, matches and the
compositing figure are built and cached; a mask parameter reruns exactly its downstream rules."""

import json
import re

import pytest

from tests.workflow.conftest import snakemake

TARGET = "results/figures/synth4_l2a_compositing.png"


def _jobs(dry_run_output: str) -> set[str]:
    names = set()
    for line in dry_run_output.splitlines():
        match = re.match(r"^(\w+)\s+\d+\s*$", line.strip())
        if match and match.group(1) not in ("total", "job", "count"):
            names.add(match.group(1))
    return names


@pytest.fixture(scope="module")
def l2a_project(built_project):
    """The session's built ci project (frames already decoded) plus the L2A target: only the
    L2A jobs run here (~40 s), not a second decode."""
    snakemake(built_project, "--cores", "2", TARGET)
    return built_project


def test_l2a_artefacts_are_built(l2a_project):
    cache = l2a_project / "cache" / "synth4"
    for rel in ("masks/0.h5", "masks/1.h5", "masks/index.json", "backgrounds/0.h5",
                "backgrounds/1.h5", "backgrounds/index.json", "matches.json"):
        assert (cache / rel).exists(), rel
    index = json.loads((cache / "masks" / "index.json").read_text())
    assert index["segmenter"] == "pose_crop+mediapipe+motion" and index["videos"] == 24
    assert index["videos_with_gt"] == 24 and 0 < index["mean_iou_gt"] <= 1
    # every video's sanity figures, and the warnings they raised, also in the log
    assert len(index["videos_checked"]) == 24
    assert {"gamma", "border_share", "static_share", "warnings"} <= set(index["videos_checked"][0])
    log = (l2a_project / "logs" / "synth4" / "masks_index.log").read_text()
    assert log.count("WARNING") == sum(len(r["warnings"]) for r in index["videos_checked"])
    backgrounds = json.loads((cache / "backgrounds" / "index.json").read_text())
    assert backgrounds["videos"] == 24 and backgrounds["checked"] == 24
    # MediaPipe's start-up lines went to the debug log, not to the job's stderr
    segment_log = (l2a_project / "logs" / "synth4" / "segment" / "0.log").read_text()
    assert "GetPrototype" not in segment_log and "W0000" not in segment_log
    matches = json.loads((cache / "matches.json").read_text())
    assert set(matches["matches"]) == {"GolfSwing", "Shotput", "Skiing", "YoYo"}
    assert all(matches["matches"][c] != c for c in matches["matches"])
    assert (l2a_project / TARGET).stat().st_size > 10_000
    assert (l2a_project / "logs" / "synth4" / "segment" / "0.log").exists()


def test_mask_parameter_reruns_only_downstream(l2a_project):
    # synth4 has its own segmenter (l2a.segmenter_by_dataset), so that is the key to change
    (l2a_project / "oracle.yaml").write_text("l2a:\n  segmenter_by_dataset: {synth4: oracle}\n")
    proc = snakemake(l2a_project, "--cores", "2", "-n", TARGET, extra_config="oracle.yaml")
    jobs = _jobs(proc.stdout)
    assert {"segment", "inpaint", "masks_index", "backgrounds_index",
            "figure_l2a_compositing"} <= jobs, proc.stdout
    assert not jobs & {"decode_frames", "manifest", "match_classes"}, jobs
    (l2a_project / "dilate.yaml").write_text("l2a:\n  inpaint: {dilate: 5}\n")
    proc = snakemake(l2a_project, "--cores", "2", "-n", TARGET, extra_config="dilate.yaml")
    jobs = _jobs(proc.stdout)
    assert "inpaint" in jobs and not jobs & {"segment", "match_classes"}, jobs
