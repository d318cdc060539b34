"""Tavakolian et al. 2019 tables: paper numbers beside ours, mean ± std over seeds, the result
paths the rule asks for."""

import json

from videoaug.config import load_config
from videoaug.methods.avd.tavakolian2019 import report_result_paths, write_tables


def _result(path, dataset, method, top1, backbone="tsn_resnet18", test_dataset=None, n_test=None):
    config = {"backbone": backbone} if backbone else {"weights": [1.0, 1.0]}
    data = {"dataset": dataset, "method": method, "metrics": {"top1": top1}, "config": config}
    if n_test:
        data["counts"] = {"test_videos": n_test}
    if test_dataset:
        data["test_dataset"] = test_dataset
    path.write_text(json.dumps(data))
    return path


def test_tables_show_paper_and_mean_std(tmp_path):
    paths = [
        _result(tmp_path / "a.json", "synth4", "avd_rgb", 0.50),
        _result(tmp_path / "b.json", "synth4", "avd_rgb", 0.70),
        _result(tmp_path / "c.json", "synth4", "avd_frames_flow+flow+rgb", 0.80, backbone=None),
        _result(tmp_path / "d.json", "synth4", "avd_rgb_on_synth4shift", 0.25,
                test_dataset="synth4shift"),
        _result(tmp_path / "e.json", "synth4", "avd_rgb", 0.40, backbone="tsn_alexnet"),
        _result(tmp_path / "f.json", "synth4", "avd_di", 0.45, n_test=200),
    ]
    write_tables(paths, tmp_path / "tables", ["synth4"], ["synth4:synth4shift"])
    t1 = (tmp_path / "tables" / "tavakolian2019_table1.md").read_text()
    row = next(line for line in t1.splitlines() if line.startswith("| AVD (RGB) |"))
    assert "88.7" in row and "62.8" in row and "60.00 ± 14.14 (n=2)" in row
    fused = next(line for line in t1.splitlines() if line.startswith("| OF+AVD (OF)+AVD (RGB) |"))
    assert "96.9" in fused and "80.00" in fused
    t2 = (tmp_path / "tables" / "tavakolian2019_table2.md").read_text()
    alex = next(line for line in t2.splitlines() if line.startswith("| AlexNet"))
    assert "83.3" in alex and "40.00" in alex
    t3 = (tmp_path / "tables" / "tavakolian2019_table3.md").read_text()
    ours = next(line for line in t3.splitlines() if line.startswith("| train on synth4 |"))
    assert ours.split("|")[2].strip().startswith("60.00") and "25.00" in ours.split("|")[3]
    t4 = (tmp_path / "tables" / "tavakolian2019_table4.md").read_text()
    assert "45.00" in t4 and "I3D [3]" in t4
    # the test-set standard error of 45 % on 200 videos: 100 * sqrt(.45 * .55 / 200) = 3.52
    assert "45.00, SE 3.52 (n=200)" in t4
    assert "60.00 ± 14.14 (n=2), SE – |" in t1  # no test-video count in those results


def test_report_paths_cover_every_table():
    config = load_config(["config.yaml"])
    paths = report_result_paths(config)
    for stream in ("frames_rgb", "frames_flow", "rgb", "flow", "di", "frames_flow+flow+rgb",
                   "rgb-tsn_mobilenet_v3_small", "rgb_on_synth4shift"):
        assert f"results/seeds/synth4_avd_{stream}_s0.json" in paths, stream
    assert not any(p.startswith("results/seeds/synth4shift_") for p in paths)  # one direction
    assert len(paths) == len(set(paths))


def test_table1_gain_is_paired_with_the_rgb_frames_by_seed(tmp_path):
    import numpy as np

    from tests.report.scorefiles import correct_with, write_scores
    from videoaug.report.paired import compare, interval_text, scores_path_for

    rng = np.random.default_rng(0)
    paths, method, base = [], {}, {}
    for seed in (0, 1, 2):
        frames = correct_with(50, 20, rng)
        fused = frames.copy()
        fused[np.flatnonzero(~frames)[:10]] = True
        for stream, correct, backbone in (("frames_rgb", frames, "tsn_resnet18"),
                                          ("flow+rgb", fused, None)):
            path = tmp_path / "seeds" / f"synth4_avd_{stream}_s{seed}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            _result(path, "synth4", f"avd_{stream}", float(correct.mean()), backbone=backbone)
            record = json.loads(path.read_text())
            path.write_text(json.dumps({**record, "seed": seed}))
            write_scores(scores_path_for(path), correct)
            (method if stream == "flow+rgb" else base)[seed] = scores_path_for(path)
            paths.append(path)
    write_tables(paths, tmp_path / "tables", ["synth4"])
    t1 = (tmp_path / "tables" / "tavakolian2019_table1.md").read_text()
    expected = compare(method, base)
    assert expected.gain == 20.0  # 10 of 50 videos
    row = next(line for line in t1.splitlines() if line.startswith("| AVD (OF)+AVD (RGB) |"))
    assert row.rstrip().endswith(f"| {interval_text(expected)} |")
    rgb = next(line for line in t1.splitlines() if line.startswith("| RGB |"))
    assert rgb.rstrip().endswith("| baseline |")
    assert "synth4 gain vs RGB (pp) [95 % CI]" in t1
