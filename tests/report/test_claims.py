"""The claims table: claims as data, paper gains from the packaged numbers, verdicts computed from
the paired interval, splits, the CLI."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.report.scorefiles import correct_with, video_ids, write_run
from videoaug.cli import main
from videoaug.report.claims import (
    claims_csv,
    claims_inputs,
    claims_markdown,
    claims_params,
    evaluate,
    load_claims,
    lookup,
    packaged_claims,
)
from videoaug.report.methods import registered_methods
from videoaug.report.paired import compare, seed_scores

PROJECT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((PROJECT / "config.yaml").read_text())
NUMBERS = PROJECT / "src" / "videoaug" / "report" / "paper_numbers"
REQUIRED = {"sps_over_ssdi", "sps_over_rnd", "randaugt_over_randaug", "framemixup_over_mixup",
            "l2a_over_none", "selector_over_random", "avd_fusion_over_rgb"}


def _numbers(name: str) -> dict:
    return yaml.safe_load((NUMBERS / f"{name}.yaml").read_text())


def test_packaged_claims_name_registered_runs_and_the_papers_numbers():
    splits, claims = load_claims()
    assert REQUIRED <= {c.id for c in claims}
    registered = {m.result for m in registered_methods(CONFIG)}
    split_sets = {e["dataset"]: set(e["methods"]) for e in CONFIG["splits"]["sets"].values()}
    for c in claims:
        assert {c.method, c.baseline} <= registered, c.id  # runs `make report` builds
        split = splits[c.split]
        if c.split == "test":
            assert not split.diagnostic and split.label("synth4") == "synth4"
        else:  # a diagnostic split: synth4's table only, runs that `make claims` (splits) builds
            assert split.table == "synth4" and split.dataset in split_sets, c.id
            assert {c.method, c.baseline} <= split_sets[split.dataset], c.id
            assert split.label("synth4") == f"{c.split} ({split.dataset})"
        for gain in c.paper_gains:
            gain.value()  # every path resolves to a number
    # the diagnostic rows: each mechanism on its split
    on_split = {(c.method, c.baseline, c.split) for c in claims}
    assert {("l2a", "l2a_none", "scene-conflict"), ("l2a", "l2a_random", "scene-conflict"),
            ("tda_randaug-t-n2-m9-temporalp", "tda_randaug-n2-m9", "temporal-change"),
            ("tda_randaug-t-n2-m9-temporalp", "tda_none", "temporal-change"),
            ("sps", "ssdi", "scarcity-5"), ("sps", "ssdi", "scarcity-10"),
            ("sps", "ssdi", "scarcity-20"),
            ("avd_rgb", "avd_frames_rgb", "motion-only")} <= on_split
    by_id = {c.id: c for c in claims}
    # independent reads of the packaged numbers
    zhang = _numbers("zhang2020")["fig4"]["values"]
    assert by_id["sps_over_ssdi"].paper_gains[0].value() == pytest.approx(
        zhang["ucf4_sps"] - zhang["ucf4_ssdi"])
    kim = {t["id"]: {r["name"]: r["values"] for r in t["rows"]}
           for t in _numbers("kim2020")["tables"]}
    assert by_id["randaugt_over_randaug"].paper_gains[0].value() == pytest.approx(
        kim["table2"]["RandAugment Temporal+ (RandAugment-T)"]["Top-1"]
        - kim["table2"]["RandAugment Spatial"]["Top-1"])
    gowda = _numbers("gowda2022")["tables"]
    rows5 = [r for r in gowda["table5"]["rows"]
             if r["dataset"] == "UCF101" and r["pretraining"] == "No Pretraining"]
    top1 = {r["name"]: r["values"]["Top-1"] for r in rows5}
    assert by_id["l2a_over_none"].paper_gains[0].value() == pytest.approx(
        top1["L2A"] - top1["Standard"])
    t1 = {r["name"]: r["values"]["UCF101"]
          for r in _numbers("tavakolian2019")["tables"]["table1"]["rows"]}
    assert by_id["avd_fusion_over_rgb"].paper_gains[0].value() == pytest.approx(
        t1["AVD (OF)+AVD (RGB)"] - t1["RGB"])
    assert by_id["sps_over_rnd"].paper_gains == () and by_id["sps_over_rnd"].paper_note


CLAIMS = """
splits:
  test: {dataset: "{ds}"}
  odd: {dataset: "{ds}", videos: "SPLIT"}
  diag: {dataset: "{ds}", videos: "SPLIT", table: toy}
claims:
  - {id: better, paper: P, source: T1, claim: a > base, method: a, baseline: base, split: test,
     paper_gains: [{setting: S, numbers: zhang2020, method: [fig4, values, ucf4_sps],
                    baseline: [fig4, values, ucf4_ssdi]}]}
  - {id: worse, paper: P, source: T1, claim: b > base, method: b, baseline: base, split: test,
     paper_gains: [], paper_note: no number}
  - {id: null_effect, paper: P, source: T2, claim: c > base, method: c, baseline: base,
     split: test, paper_gains: [], paper_note: no number}
  - {id: absent, paper: P, source: T2, claim: d > base, method: d, baseline: base, split: test,
     paper_gains: [], paper_note: no number}
  - {id: on_odd, paper: P, source: T3, claim: a > base on odd videos, method: a,
     baseline: base, split: odd, paper_gains: [], paper_note: no number}
  - {id: on_diag, paper: P, source: T3, claim: a > base on diag videos, method: a,
     baseline: base, split: diag, paper_gains: [], paper_note: no number}
"""


def _toy(tmp_path: Path) -> tuple[Path, Path]:
    """Runs on 3 seeds x 200 videos: a = base + 30 fixed videos, b = base − 30, c = shuffled."""
    results = tmp_path / "results"
    rng = np.random.default_rng(0)
    for seed in range(3):
        base = correct_with(200, 100, rng)
        a, b = base.copy(), base.copy()
        a[np.flatnonzero(~base)[:30]] = True
        b[np.flatnonzero(base)[:30]] = False
        write_run(results, "toy", "base", seed, base)
        write_run(results, "toy", "a", seed, a)
        write_run(results, "toy", "b", seed, b)
        write_run(results, "toy", "c", seed, base[rng.permutation(200)])
    split = tmp_path / "odd.json"
    split.write_text(json.dumps({"videos": video_ids(200)[1::2]}))
    claims = tmp_path / "claims.yaml"
    claims.write_text(CLAIMS.replace("SPLIT", str(split)))
    return results, claims


def test_verdicts_are_computed_from_the_interval(tmp_path):
    results, claims_path = _toy(tmp_path)
    splits, claims = load_claims(claims_path)
    rows = {r.claim.id: r for r in evaluate(claims, splits, "toy", [0, 1, 2], results)}
    assert rows["better"].verdict == "reproduced" and rows["better"].result.low > 0
    assert rows["worse"].verdict == "opposite" and rows["worse"].result.high < 0
    assert rows["null_effect"].verdict == "inconclusive"
    assert rows["absent"].verdict == "missing" and rows["absent"].result is None
    assert rows["better"].result.gain == pytest.approx(15.0)  # 30 of 200 videos
    expected = compare(seed_scores(results, "toy", "c", [0, 1, 2]),
                       seed_scores(results, "toy", "base", [0, 1, 2]))
    assert rows["null_effect"].result == expected
    odd = rows["on_odd"].result
    assert odd.n_videos == 100 and odd.n_seeds == 3
    assert rows["on_odd"].split_label == "odd (toy)" and rows["better"].split_label == "toy"
    assert rows["better"].paper[0][0] == "S"

    md = claims_markdown(list(rows.values()), "toy", [0, 1, 2], "COST")
    better = next(line for line in md.splitlines() if line.startswith("| a > base ("))
    r = rows["better"].result
    assert f"| +15.0 [{r.low:+.1f}, {r.high:+.1f}] * |" in better and "**reproduced**" in better
    assert "| 3 × 200 |" in better
    null_line = next(line for line in md.splitlines() if line.startswith("| c > base"))
    n = rows["null_effect"].result
    halve = (f"{n.seeds_needed} seeds (at 200 test videos)" if n.seeds_needed
             else "seeds alone: not enough")
    assert halve in null_line and "**inconclusive**" in null_line
    absent = next(line for line in md.splitlines() if line.startswith("| d > base"))
    assert "| missing |" in absent and "**missing**" in absent
    assert md.rstrip().endswith("COST")

    table = {r["id"]: r for r in csv.DictReader(claims_csv(list(rows.values())).splitlines())}
    assert table["better"]["verdict"] == "reproduced" and table["worse"]["verdict"] == "opposite"
    assert float(table["better"]["gain_low"]) == pytest.approx(r.low, abs=1e-4)
    assert table["better"]["n_seeds"] == "3" and table["better"]["n_videos"] == "200"
    assert table["absent"]["gain_pp"] == "" and table["absent"]["verdict"] == "missing"
    assert table["on_odd"]["split"] == "odd (toy)"
    assert table["null_effect"]["videos_to_halve"] == ("" if n.videos_needed is None
                                                       else str(n.videos_needed))


def test_bad_claims_files_name_the_claim_and_the_key(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("splits: {test: {dataset: '{ds}'}}\nclaims:\n"
                    "  - {id: x, paper: P, source: S, claim: C, method: a, baseline: b,"
                    " split: nope, paper_gains: [], paper_note: n}\n")
    with pytest.raises(ValueError, match=r"claims\[0\] \(x\): split 'nope'"):
        load_claims(path)
    path.write_text("splits: {test: {dataset: '{ds}'}}\nclaims:\n  - {id: y, paper: P}\n")
    with pytest.raises(ValueError, match=r"\(y\) lacks source, claim, paper_gains"):
        load_claims(path)
    with pytest.raises(ValueError, match="cannot read the claims file"):
        load_claims(tmp_path / "absent.yaml")
    data = {"rows": [{"name": "A", "v": 1}, {"name": "A", "v": 2}]}
    with pytest.raises(ValueError, match="2 items match"):
        lookup(data, ["rows", {"name": "A"}, "v"], "toy")
    assert lookup(data, ["rows", {"name": "A", "v": 2}, "v"]) == 2.0


def test_inputs_and_params_follow_the_claims_and_the_config():
    inputs = claims_inputs(CONFIG, "kitchen")  # any configured dataset
    splits, claims = load_claims(packaged_claims())
    # diagnostic splits only in synth4's table, and only with report.claim_splits (make claims)
    assert not any("synth4bias" in path or "splits/videos" in path for path in inputs)
    assert not any("synth4bias" in path for path in claims_inputs(CONFIG, "synth4"))
    with_splits = {**CONFIG, "report": {**CONFIG["report"], "claim_splits": True}}
    assert claims_inputs(with_splits, "kitchen") == inputs
    synth4 = claims_inputs(with_splits, "synth4")
    assert "results/splits/videos/synth4bias_conflict.json" in synth4
    assert "results/scores/seeds/synth4scarce5_sps_s0.npz" in synth4
    assert "results/seeds/synth4motion_avd_rgb_s2.json" in synth4
    assert claims_params(with_splits, "synth4")["claim_splits"] is True
    for c in claims:
        if splits[c.split].diagnostic:
            continue
        for name in (c.method, c.baseline):
            for s in CONFIG["report"]["seeds"]:
                assert f"results/seeds/kitchen_{name}_s{s}.json" in inputs
                assert f"results/scores/seeds/kitchen_{name}_s{s}.npz" in inputs
    params = claims_params(CONFIG, "kitchen")
    assert params["seeds"] == CONFIG["report"]["seeds"]
    assert params["cpu_budget_hours"] == CONFIG["report"]["cpu_budget_hours"]
    assert params["benchmarks"]["sps"] == "{ds}/train_temporal/sps_s{seed}.tsv"


def test_cli_writes_the_table_and_the_cost_footer(tmp_path):
    results, claims_path = _toy(tmp_path)
    bench = tmp_path / "benchmarks" / "toy" / "x"
    bench.mkdir(parents=True)
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    for seed in range(3):
        for name in ("a", "base"):
            (bench / f"{name}_s{seed}.tsv").write_text(header + "1\t0\t1\t1\t1\t1\t0\t0\t1\t600\n")
    params = {"dataset": "toy", "seeds": [0, 1, 2], "claims": str(claims_path),
              "cpu_budget_hours": 2.5,
              "benchmarks": {"a": "{ds}/x/a_s{seed}.tsv", "base": "{ds}/x/base_s{seed}.tsv"}}
    out = tmp_path / "out"
    assert main(["claims", "--params", json.dumps(params), "--results-dir", str(results),
                 "--benchmarks-dir", str(tmp_path / "benchmarks"),
                 "--md", str(out / "c.md"), "--csv", str(out / "c.csv")]) == 0
    md = (out / "c.md").read_text()
    # 6 seed runs of 600 CPU-s = 1 CPU-h; every file under benchmarks/toy/ is the same 6
    assert "the seed runs these claims compare 1.00 CPU-h (6 files)" in md
    assert "`benchmarks/toy/` 1.00 CPU-h (6 files" in md and "2.5 CPU-h" in md
    assert len((out / "c.csv").read_text().splitlines()) == 6  # header + 5: no diagnostic row
    params["claim_splits"] = True  # make claims: the diagnostic row too
    assert main(["claims", "--params", json.dumps(params), "--results-dir", str(results),
                 "--md", str(out / "d.md"), "--csv", str(out / "d.csv")]) == 0
    rows = list(csv.DictReader((out / "d.csv").open()))
    assert [r["id"] for r in rows][-1] == "on_diag" and rows[-1]["split"] == "diag (toy)"
    assert rows[-1]["n_videos"] == "100" and rows[-1]["verdict"] == "reproduced"
    params.pop("claim_splits")
    params["claims"] = str(tmp_path / "absent.yaml")
    assert main(["claims", "--params", json.dumps(params), "--md", str(out / "x.md"),
                 "--csv", str(out / "x.csv")]) != 0
