import json
import statistics

import pytest

from videoaug.cli import main as cli_main
from videoaug.data.subsets import HMDB4_CLASSES, UCF4_CLASSES
from videoaug.methods.sps.zhang2020 import (
    fig4_table,
    fig5_plot,
    pool_quality_cell,
    table2_table,
    table3_table,
)
from videoaug.report.tables import mean_std


def _write(path, top1, history=()):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"metrics": {"top1": top1}, "history": list(history)}))


def test_fig4_table_has_ours_seeds_and_paper(tmp_path):
    _write(tmp_path / "ucf4_ssdi.json", 0.9)
    _write(tmp_path / "ucf4_sps.json", 0.95)
    for seed, value in zip((0, 1, 2), (0.90, 0.92, 0.97), strict=True):
        _write(tmp_path / "seeds" / f"ucf4_sps_s{seed}.json", value)
    text = fig4_table(tmp_path, ["ucf4"], [0, 1, 2])
    sps_row = next(line for line in text.splitlines() if "SPS-GAN" in line)
    mean, std, n = mean_std([90.0, 92.0, 97.0])
    assert f"{mean:.2f} ± {std:.2f} (n=3)" in sps_row and "95.29" in sps_row and "95.00" in sps_row
    assert std == pytest.approx(3.605551, rel=1e-5)
    ssdi_row = next(line for line in text.splitlines() if "| SSDI |" in line)
    assert "92.23" in ssdi_row and "90.00" in ssdi_row
    assert "RND-GAN" not in text  # no result, no row


def test_table2_maps_rows_to_methods(tmp_path):
    _write(tmp_path / "hmdb4_sps_plain.json", 0.5)
    text = table2_table(tmp_path, ["hmdb4"])
    gan_row = next(line for line in text.splitlines() if line.startswith("| GAN |"))
    assert "sps_plain" in gan_row and "50.00" in gan_row and "71.01" in gan_row
    ccs_row = next(line for line in text.splitlines() if line.startswith("| CCS |"))
    assert "–" in ccs_row and "70.28" in ccs_row


def test_mean_std_single_and_empty():
    assert mean_std([]) is None
    assert mean_std([3.0]) == (3.0, 0.0, 1)


def test_fig5_plot_writes_png(tmp_path):
    history = [{"generated_added": 4 * i, "test_top1": 0.5 + 0.1 * i} for i in range(3)]
    _write(tmp_path / "d_sps.json", 0.7, history)
    out = tmp_path / "fig5.png"
    fig5_plot(tmp_path, ["d"], out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000


# ---------------------------------------------------------------------------- Table 3 (imbalance)
LIMITED = {"ucf101imb": list(UCF4_CLASSES), "hmdb51imb": list(HMDB4_CLASSES)}


def _write_imbalanced(path, top1, per_class):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"metrics": {"top1": top1, "per_class": per_class}, "history": []}))


def _table_cells(text, row_name):
    """Header and the cells of the row ``row_name`` of the Markdown table, as a dict."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[1:]]
    (row,) = [r for r in rows if r[0] == row_name]
    return dict(zip(header, row, strict=True))


def test_table3_numbers_against_independent_computation(tmp_path):
    limited = dict(zip(UCF4_CLASSES, (0.5, 0.25, 1.0, 0.6), strict=True))
    others = {"ApplyEyeMakeup": 0.9, "Archery": 0.95}  # would change the mean if counted
    _write_imbalanced(tmp_path / "ucf101imb_sps.json", 0.7312, {**others, **limited})
    text = table3_table(tmp_path, LIMITED)
    row = _table_cells(text, "SS.+SP.")
    expected_limited = 100 * statistics.mean([0.5, 0.25, 1.0, 0.6])
    assert row["ucf101imb top-1"] == "73.12"
    assert row["ucf101imb 4 limited classes"] == f"{expected_limited:.2f}" == "58.75"
    assert row["our method"] == "sps"
    assert text.startswith("# Zhang et al. 2020, Table 3:")


def test_table3_paper_numbers_and_missing_results(tmp_path):
    text = table3_table(tmp_path, LIMITED)
    sps = _table_cells(text, "SS.+SP.")
    assert (sps["paper UCF101*"], sps["paper UCF4*"]) == ("74.40", "66.60")
    assert (sps["paper HMDB51*"], sps["paper HMDB4*"]) == ("42.50", "14.60")
    assert sps["ucf101imb top-1"] == sps["hmdb51imb 4 limited classes"] == "–"
    fused = _table_cells(text, "SSDI+RGB")
    assert fused["our method"] == "ssdi_fused"
    assert (fused["paper HMDB51*"], fused["paper HMDB4*"]) == ("59.70", "–")
    assert [r for r in text.splitlines() if r.startswith("| SS")][0].startswith("| SSDI |")
    assert "GolfSwing, Shotput, Skiing, YoYo" in text  # the limited classes are named


def test_table3_dataset_unknown_to_the_paper(tmp_path):
    _write_imbalanced(tmp_path / "mine_ssdi.json", 0.5, {"a": 0.2, "b": 0.4, "c": 1.0})
    text = table3_table(tmp_path, {"mine": ["a", "b"]})
    row = _table_cells(text, "SSDI")
    assert row["mine top-1"] == "50.00" and row["mine 2 limited classes"] == "30.00"
    assert text.splitlines()[2].count("paper (none)") == 2
    assert "73.80" not in text  # no UCF101* number next to someone else's dataset


def test_table3_names_file_and_class_without_recall(tmp_path):
    per_class = {c: 0.5 for c in HMDB4_CLASSES if c != "flic_flac"}
    _write_imbalanced(tmp_path / "hmdb51imb_ssdi.json", 0.4, per_class)
    with pytest.raises(ValueError, match=r"hmdb51imb_ssdi\.json.*'flic_flac'"):
        table3_table(tmp_path, LIMITED)
    with pytest.raises(ValueError, match="datasets.mine.train_limit_classes"):
        table3_table(tmp_path, {"mine": []})


def test_report_cli_writes_table3(tmp_path):
    limited = dict(zip(HMDB4_CLASSES, (0.1, 0.2, 0.3, 0.0), strict=True))
    _write_imbalanced(tmp_path / "hmdb51imb_sps_fused.json", 0.6, limited)
    out = tmp_path / "tables" / "zhang2020_table3.md"
    args = ["report-zhang2020", "--results-dir", str(tmp_path), "--table3", str(out)]
    assert cli_main([*args, "--limited-classes", json.dumps(LIMITED)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text == table3_table(tmp_path, LIMITED)
    assert _table_cells(text, "SS.+SP.+RGB")["hmdb51imb 4 limited classes"] == "15.00"
    assert cli_main([*args, "--datasets", "ucf4", "--limited-classes", "{}"]) == 0
    assert "ucf101imb" not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "extra, message",
    [
        ([], "--table3 needs --limited-classes"),
        (["--limited-classes", "[1"], "not valid JSON"),
        (["--limited-classes", '{"a": "GolfSwing"}'], "list of class names"),
        (["--limited-classes", "{}", "--fig4", "f.md"], "--fig4 need --datasets"),
    ],
)
def test_report_cli_rejects_bad_table3_arguments(tmp_path, capsys, extra, message):
    out = tmp_path / "t3.md"
    args = ["report-zhang2020", "--results-dir", str(tmp_path), "--table3", str(out), *extra]
    assert cli_main(args) == 1
    assert message in capsys.readouterr().err and not out.exists()


def test_top1_standard_error_is_the_binomial_one():
    from videoaug.report.tables import fmt_se, top1_standard_error

    # p = 0.7 on 200 videos: sqrt(0.21 / 200) = 0.0324 -> 3.24 points
    assert top1_standard_error(70.0, 200) == pytest.approx(100 * (0.7 * 0.3 / 200) ** 0.5)
    assert top1_standard_error(100.0, 40) == 0.0
    assert fmt_se(70.0, 200) == "3.24 (n=200)" and fmt_se(70.0, None) == "–"
    with pytest.raises(ValueError, match="n_test"):
        top1_standard_error(50.0, 0)


def test_fig4_table_reports_se_and_pool_quality(tmp_path):
    mean = {"generated": {"consistency": 0.85, "recall_pixel": 0.125, "recall_embedding": 0.3},
            "real_heldout": {"consistency": 0.9, "recall_pixel": 0.375, "recall_embedding": 0.75},
            "frechet_ratio": 1.6}
    quality = {"mean": mean, "passes": False,
               "classes": {"A": {"passes": True}, "B": {"passes": False}}}
    for seed, value in zip((0, 1), (0.60, 0.70), strict=True):
        path = tmp_path / "seeds" / f"synth4_sps_s{seed}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"metrics": {"top1": value}, "history": [],
                                    "counts": {"test_videos": 200}, "gan_quality": quality}))
    text = fig4_table(tmp_path, ["synth4"], [0, 1])
    row = next(line for line in text.splitlines() if "SPS-GAN" in line)
    se = 100 * (0.65 * 0.35 / 200) ** 0.5  # at the mean over seeds, 65 %
    assert f"{se:.2f} (n=200)" in row
    assert "1/2 pass; recall pixel 0.12 (real 0.38), embedding 0.30 (real 0.75)" in row
    # A result measured by the old measure (consistency / Fréchet only) says so.
    old = {"mean": {"generated": {"consistency": 0.9}, "real_heldout": {"consistency": 0.7}},
           "classes": {"A": {"passes": True}}}
    assert pool_quality_cell({"gan_quality": old}) == "old measure: rerun gan_quality"


def test_fig4_and_table2_gains_are_paired_with_ssdi(tmp_path):
    import numpy as np

    from tests.report.scorefiles import correct_with, write_run, write_scores
    from videoaug.report.paired import compare, interval_text, seed_scores

    rng = np.random.default_rng(0)
    for seed in (0, 1, 2):
        ssdi = correct_with(80, 40, rng)
        sps = ssdi.copy()
        sps[np.flatnonzero(~ssdi)[:8]] = True
        write_run(tmp_path, "ucf4", "ssdi", seed, ssdi)
        write_run(tmp_path, "ucf4", "sps", seed, sps)
    text = fig4_table(tmp_path, ["ucf4"], [0, 1, 2])
    expected = compare(seed_scores(tmp_path, "ucf4", "sps", [0, 1, 2]),
                       seed_scores(tmp_path, "ucf4", "ssdi", [0, 1, 2]))
    assert expected.gain == pytest.approx(10.0)  # 8 of 80 videos
    sps_row = next(line for line in text.splitlines() if "SPS-GAN" in line)
    assert f"| {interval_text(expected)} |" in sps_row
    assert "| baseline |" in next(line for line in text.splitlines() if "| SSDI |" in line)
    # Table 2: the config-seed runs, one seed (videos resampled only)
    base, plain = correct_with(80, 40, rng), correct_with(80, 30, rng)
    for name, correct in (("ssdi", base), ("sps_plain", plain)):
        _write(tmp_path / f"hmdb4_{name}.json", float(correct.mean()))
        write_scores(tmp_path / "scores" / f"hmdb4_{name}.npz", correct)
    one = compare({0: tmp_path / "scores" / "hmdb4_sps_plain.npz"},
                  {0: tmp_path / "scores" / "hmdb4_ssdi.npz"})
    assert one.n_seeds == 1 and one.gain == pytest.approx(-12.5)
    gan_row = next(line for line in table2_table(tmp_path, ["hmdb4"]).splitlines()
                   if line.startswith("| GAN |"))
    assert f"| {interval_text(one)} |" in gan_row
