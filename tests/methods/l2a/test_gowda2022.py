"""Gowda et al. 2022 Tables 1-5: cells against an independent mean/std, paper numbers from the
package data, "missing" cells, result names of the semi-supervised and few-shot runs."""

import json
import math
import statistics
from pathlib import Path

import pytest
import yaml

from videoaug.config import load_config
from videoaug.methods.l2a import gowda2022
from videoaug.methods.l2a.ablation import ABLATIONS

ROOT = Path(__file__).resolve().parents[3]
PAPER = ROOT / "src" / "videoaug" / "report" / "paper_numbers" / "gowda2022.yaml"


def _write(path: Path, top1: float, test_videos: int = 200, **counts) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"metrics": {"top1": top1, **counts.pop("metrics", {})},
                                "counts": {"test_videos": test_videos, **counts}}))


def _row(text: str, first_cell: str) -> list[str]:
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in\n{text}")


def _expected(values: list[float], n_test: int) -> str:
    mean, std = statistics.mean(values), statistics.stdev(values)
    se = 100 * math.sqrt((mean / 100) * (1 - mean / 100) / n_test)
    return f"{mean:.2f} ± {std:.2f} (n={len(values)}), SE {se:.2f} (n={n_test})"


def test_package_numbers_have_our_names():
    paper = yaml.safe_load(PAPER.read_text())["tables"]
    assert [r["values"]["Accuracy"] for r in paper["table1"]["rows"]][:2] == [58.9, 55.8]
    assert {r["ours"] for r in paper["table1"]["rows"]} == {
        m for m in ABLATIONS if m.startswith("l2a") and m in gowda2022.table_methods(1)}
    for row in paper["table1"]["rows"]:  # each paper row's switches are our method's switches
        abl = ABLATIONS[row["ours"]]
        assert row["config"] == {"selector": abl.selector,
                                 "video_compositing": abl.blend == "composite",
                                 "semantic_matching": abl.pairing == "matched"}
    assert all(r["ours"] in ABLATIONS for r in paper["table2"]["rows"])
    assert {r["ours"] for r in paper["table5"]["rows"]} == set(gowda2022.TABLE5_METHODS)
    assert {r.get("ours") for r in paper["table3"]["rows"]} - {None} <= set(gowda2022.SEMI_METHODS)
    assert {r.get("ours") for r in paper["table4"]["rows"]} - {None} == set(
        gowda2022.FEWSHOT_METHODS)


def test_table1_cells_against_an_independent_computation(tmp_path):
    seeds = [0, 1, 2]
    values = {"l2a": [61.0, 64.5, 59.0], "l2a_random_nocomp": [50.5, 55.0, 52.0]}
    for method, tops in values.items():
        for seed, top in zip(seeds, tops, strict=True):
            _write(tmp_path / "seeds" / f"synth4_{method}_s{seed}.json", top / 100,
                   train_generated=32, search_space=1600, selector_keeps=700)
    _write(tmp_path / "seeds" / "synth4_l2a_nocomp_s0.json", 0.555, train_generated=32,
           search_space=1600)  # one seed only: no ±
    params = {"table": 1, "datasets": ["synth4"], "seeds": seeds}
    text = gowda2022.render_table(1, params, tmp_path)
    full = _row(text, "Selector + Compositing + Matching")
    assert full[5] == "58.9" and full[6] == "`l2a`"  # the paper's number, from the package
    assert full[7] == "1,600" and full[8] == "700" and full[9] == "32"
    assert full[-2] == _expected(values["l2a"], 200)
    assert full[-1] == gowda2022.MISSING  # the paired gain needs scores files and the baseline
    assert _row(text, "Matching")[-2] == _expected(values["l2a_random_nocomp"], 200)
    assert _row(text, "Selector + Matching")[-2].startswith("55.50, SE ")
    assert _row(text, "none (baseline)")[-2] == gowda2022.MISSING
    assert _row(text, "none (baseline)")[-1] == "baseline"  # Table 1's own baseline row
    assert _row(text, "Compositing")[7] == gowda2022.MISSING
    assert "l2a_none" in text  # the reference row


def test_tables_2_and_5_and_missing(tmp_path):
    for seed, top in enumerate([0.40, 0.45]):
        _write(tmp_path / "seeds" / f"synth4_l2a_noall_s{seed}.json", top, test_videos=40,
               train_generated=32)
        _write(tmp_path / "seeds" / f"synth4_l2a_actorcut_s{seed}.json", top + 0.1,
               test_videos=40, train_generated=32)
    params = {"table": 2, "datasets": ["synth4"], "seeds": [0, 1, 2]}
    text2 = gowda2022.render_table(2, params, tmp_path)
    row = _row(text2, "L2A w/o All")
    assert row[1] == "54.5" and row[3:5] == ["people_boxes", "raw"]
    assert row[-2] == _expected([40.0, 45.0], 40)
    assert _row(text2, "L2A w/o Inpaint")[-2] == gowda2022.MISSING
    text5 = gowda2022.render_table(5, {**params, "table": 5}, tmp_path)
    actor = _row(text5, "ActorCut [43]")
    assert actor[1:3] == ["68.3", "44.5"] and actor[-2] == _expected([50.0, 55.0], 40)
    assert _row(text5, "Standard")[-2] == gowda2022.MISSING
    assert "Sports1M" in text5  # the paper's pre-trained rows, for reference


def test_table3_reads_the_semi_supervised_names(tmp_path):
    config = load_config([ROOT / "config.yaml"])
    config["l2a"]["semi"] = {"fractions": [0.5, 0.2]}  # fractions or percents both name semi50
    params = gowda2022.table_params(config, 3)
    assert params["fractions"] == [50, 20]
    paths = gowda2022.table_inputs(config, 3)
    assert "results/seeds/synth4_cutmix_semi20_s2.json" in paths
    assert "results/seeds/synth4_none_semi50_s0.json" in paths
    # each seed run's JSON and its per-video scores (the paired gain column)
    assert len(paths) == len(gowda2022.SEMI_METHODS) * 2 * len(config["report"]["seeds"]) * 2
    assert "results/scores/seeds/synth4_cutmix_semi20_s2.npz" in paths
    for seed, top in enumerate([0.7, 0.72, 0.74]):
        _write(tmp_path / "seeds" / f"synth4_l2a_semi20_s{seed}.json", top)
    text = gowda2022.render_table(3, params, tmp_path)
    l2a = _row(text, "L2A")
    header = _row(text, "method")
    assert header[2:8] == ["paper UCF101 50%", "ours synth4 50%", "gain vs none 50% (pp) [95 % CI]",
                           "paper UCF101 20%", "ours synth4 20%",
                           "gain vs none 20% (pp) [95 % CI]"]
    assert l2a[2] == "72.1" and l2a[3] == gowda2022.MISSING
    assert l2a[5] == "60.3" and l2a[6] == _expected([70.0, 72.0, 74.0], 200)
    assert l2a[7] == gowda2022.MISSING  # no labelled-only runs (and no scores) to pair with
    assert _row(text, "no augmentation (ours only)")[5] == "–"
    assert _row(text, "no augmentation (ours only)")[7] == "baseline"
    del config["l2a"]["semi"]
    assert gowda2022.table_params(config, 3)["fractions"] == list(
        gowda2022.DEFAULT_SEMI_FRACTIONS)


def test_table4_reads_the_fewshot_names(tmp_path):
    config = load_config([ROOT / "config.yaml"])
    params = gowda2022.table_params(config, 4)
    assert params["datasets"] == [config["l2a"].get("fewshot", {}).get("dataset", "synth10")]
    config["l2a"]["fewshot"] = {"dataset": "synth10", "shots": [1, 5]}
    params = gowda2022.table_params(config, 4)
    assert gowda2022.table_inputs(config, 4)[0] == "results/seeds/synth10_fewshot_pn_1shot_s0.json"
    tops, cis = [0.60, 0.64], [0.02, 0.04]
    episodes = {"pn": [[0.5, 0.6, 0.7, 0.6], [0.6, 0.6, 0.5, 0.7]],
                "pn_l2a": [[0.6, 0.6, 0.8, 0.6], [0.7, 0.6, 0.6, 0.7]]}
    for seed, (top, ci) in enumerate(zip(tops, cis, strict=True)):
        for method in ("pn", "pn_l2a"):
            _write(tmp_path / "seeds" / f"synth10_fewshot_{method}_5shot_s{seed}.json",
                   top if method == "pn_l2a" else 0.5,
                   metrics={"ci95": ci, "episode_accuracy": episodes[method][seed],
                            "episodes_sha256": f"e{seed}"})
    for path in (tmp_path / "seeds").glob("*.json"):  # the seed is in the result
        record = json.loads(path.read_text())
        path.write_text(json.dumps({**record, "seed": int(path.stem.rsplit("_s", 1)[1])}))
    text = gowda2022.render_table(4, params, tmp_path)
    row = _row(text, "C3D-PN + L2A")
    mean, std = statistics.mean([60.0, 64.0]), statistics.stdev([60.0, 64.0])
    assert row[5] == "79.1"  # UCF101 5-shot, split S
    assert row[6] == f"{mean:.2f} ± {std:.2f} (n=2), CI95 ±3.00"
    assert row[3] == gowda2022.MISSING
    # paired episode by episode and seed by seed: +0.1 on 4 of 8 episodes -> +5 points
    from videoaug.report.paired import interval_text, paired_gain

    expected = paired_gain(episodes["pn_l2a"], episodes["pn"])
    assert expected.gain == pytest.approx(5.0)
    assert row[7] == interval_text(expected) and _row(text, "C3D-PN [31]")[7] == "baseline"
    for path in (tmp_path / "seeds").glob("*pn_5shot_s1.json"):  # other episodes: not paired
        record = json.loads(path.read_text())
        record["metrics"]["episodes_sha256"] = "other"
        path.write_text(json.dumps(record))
    with pytest.raises(ValueError, match="different episodes"):
        gowda2022.render_table(4, params, tmp_path)


def test_table5_gain_is_paired_with_standard(tmp_path):
    import numpy as np

    from tests.report.scorefiles import correct_with, write_run
    from videoaug.report.paired import compare, interval_text, seed_scores

    rng = np.random.default_rng(0)
    for seed in (0, 1):
        base = correct_with(60, 30, rng)
        better = base.copy()
        better[np.flatnonzero(~base)[:9]] = True
        write_run(tmp_path, "synth4", "l2a_none", seed, base)
        write_run(tmp_path, "synth4", "l2a", seed, better)
    text = gowda2022.render_table(5, {"table": 5, "datasets": ["synth4"], "seeds": [0, 1]},
                                  tmp_path)
    expected = compare(seed_scores(tmp_path, "synth4", "l2a", [0, 1]),
                       seed_scores(tmp_path, "synth4", "l2a_none", [0, 1]))
    assert expected.gain == pytest.approx(15.0)
    assert _row(text, "L2A")[-1] == interval_text(expected)
    assert _row(text, "Standard")[-1] == "baseline"


def test_cli_writes_the_table(tmp_path, capsys):
    from videoaug.cli import main

    _write(tmp_path / "results" / "seeds" / "synth4_l2a_s0.json", 0.5)
    out = tmp_path / "t1.md"
    params = json.dumps({"datasets": ["synth4"], "seeds": [0]})
    assert main(["gowda2022-table", "--table", "1", "--params", params, "--results-dir",
                 str(tmp_path / "results"), "--out", str(out)]) in (0, None)
    assert "# Gowda et al. 2022, Table 1" in out.read_text()
    assert main(["gowda2022-table", "--table", "1", "--params", "{}", "--out", str(out)]) != 0
    assert "--params must be JSON with datasets and seeds" in capsys.readouterr().err
