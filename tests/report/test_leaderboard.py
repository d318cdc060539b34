"""Leaderboard rows against an independent computation from the result JSONs and score files."""

import csv
import json
import statistics
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.report.scorefiles import correct_with, write_run
from videoaug.cli import main
from videoaug.report.leaderboard import (
    MISSING,
    format_top1,
    leaderboard_csv,
    leaderboard_markdown,
    leaderboard_rows,
    read_benchmark,
)
from videoaug.report.methods import (
    FAMILIES,
    Method,
    leaderboard_inputs,
    leaderboard_params,
    registered_methods,
)
from videoaug.report.paired import compare, seed_scores

PROJECT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((PROJECT / "config.yaml").read_text())

TOP1 = {  # result name -> top-1 per seed (fractions, as the result JSONs store them)
    "ssdi": [0.50, 0.55, 0.60],
    "rnd": [0.60, 0.65, 0.55],
    "sps": [0.70],  # one seed only
    # "tsp": no result at all
}
BENCH_HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def _write(tmp: Path, ds: str = "toy") -> None:
    rng = np.random.default_rng(0)
    for name, values in TOP1.items():
        for seed, top1 in enumerate(values):
            added = 0 if name == "ssdi" else 8
            write_run(tmp / "results", ds, name, seed, correct_with(200, round(200 * top1), rng),
                      counts={"train_generated": added})
            bench = tmp / "benchmarks" / ds / "train_temporal" / f"{name}_s{seed}.tsv"
            bench.parent.mkdir(parents=True, exist_ok=True)
            bench.write_text(
                BENCH_HEADER + f"{10.0 + seed}\t0:00:10\t{100 + 50 * seed}\t1\t1\t1\t0\t0\t50\t9\n"
            )


def _sps_methods() -> list[Method]:
    return FAMILIES["SPS"].methods(CONFIG)


def test_rows_equal_an_independent_computation(tmp_path):
    _write(tmp_path)
    rows = {
        r.method.result: r
        for r in leaderboard_rows(
            _sps_methods(),
            "toy",
            [0, 1, 2],
            str(tmp_path / "results"),
            str(tmp_path / "benchmarks"),
        )
    }
    base = statistics.mean(100 * v for v in TOP1["ssdi"])
    for name in ("ssdi", "rnd"):
        values = [100 * v for v in TOP1[name]]
        mean, std, n = rows[name].stats
        assert n == 3
        assert mean == pytest.approx(statistics.mean(values))
        assert std == pytest.approx(statistics.stdev(values))  # sample std (n - 1)
        assert rows[name].gain == pytest.approx(statistics.mean(values) - base)
        assert rows[name].wall_s == pytest.approx(11.0)  # mean of 10, 11, 12
        assert rows[name].peak_rss_mb == pytest.approx(200.0)  # largest of 100, 150, 200
    assert rows["rnd"].extra_samples == 8 and rows["ssdi"].extra_samples == 0
    # the gain is paired: over the seeds both have (sps: seed 0 only), on the same test videos
    assert rows["sps"].gain == pytest.approx(70.0 - 50.0)
    assert rows["sps"].paired.n_seeds == 1 and rows["rnd"].paired.n_seeds == 3
    results = tmp_path / "results"
    expected = compare(seed_scores(results, "toy", "rnd", [0, 1, 2]),
                       seed_scores(results, "toy", "ssdi", [0, 1, 2]))
    assert rows["rnd"].paired == expected and rows["ssdi"].paired is None
    # the paper's gain beside ours: Zhang et al. Fig. 4 discussion, SPS minus SSDI on UCF4
    assert rows["sps"].paper_gain is None  # "toy" is none of the paper's settings: all shown
    assert rows["sps"].paper_gains == pytest.approx({"UCF4": 95.29 - 92.23, "HMDB4": 79.57 - 76.38})
    assert rows["sps"].paper_text() == "+3.06 (UCF4); +3.19 (HMDB4)"
    # on a dataset the paper reports, only that setting's gain
    ucf = leaderboard_rows(_sps_methods(), "ucf4", [0], str(tmp_path / "results"))
    assert [r.paper_text() for r in ucf if r.method.result == "sps"] == ["+3.06 (UCF4)"]


def test_one_seed_shows_no_plus_minus_and_missing_is_not_zero(tmp_path):
    _write(tmp_path)
    rows = {
        r.method.result: r
        for r in leaderboard_rows(_sps_methods(), "toy", [0, 1, 2], str(tmp_path / "results"))
    }
    assert format_top1(rows["sps"]) == "70.00"
    assert "±" in format_top1(rows["rnd"])
    assert rows["tsp"].missing and rows["tsp"].gain is None
    md = leaderboard_markdown(list(rows.values()), "toy", [0, 1, 2])
    tsp_line = next(line for line in md.splitlines() if "| tsp |" in line)
    assert MISSING in tsp_line and "0.00" not in tsp_line
    sps_line = next(line for line in md.splitlines() if "| sps |" in line)
    assert "70.00 |" in sps_line and "±" not in sps_line
    table = list(csv.DictReader(leaderboard_csv(list(rows.values())).splitlines()))
    by_name = {r["result"]: r for r in table}
    assert by_name["tsp"]["status"] == MISSING and by_name["tsp"]["top1_mean"] == ""
    assert by_name["sps"]["top1_std"] == "" and by_name["sps"]["n_seeds"] == "1"
    # test-set standard error of the mean top-1 (55 %) on 200 test videos
    expected_se = 100 * (0.55 * 0.45 / 200) ** 0.5
    assert rows["ssdi"].standard_error == pytest.approx(expected_se)
    assert float(by_name["ssdi"]["top1_se"]) == pytest.approx(expected_se, abs=1e-4)
    assert f"| {expected_se:.2f} |" in next(line for line in md.splitlines() if "| ssdi |" in line)
    assert rows["tsp"].standard_error is None and by_name["tsp"]["top1_se"] == ""


def test_benchmark_na_values_are_left_out(tmp_path):
    path = tmp_path / "b.tsv"
    path.write_text(BENCH_HEADER + "3.5\t0:00:03\tNA\tNA\tNA\tNA\tNA\tNA\tNA\t1\n")
    bench = read_benchmark(path)
    assert bench["s"] == 3.5 and "max_rss" not in bench
    assert read_benchmark(tmp_path / "absent.tsv") is None


def test_registry_lists_every_family_with_its_baseline():
    methods = registered_methods(CONFIG)
    assert {m.family for m in methods} == {"SPS", "TDA", "L2A", "AVD"}
    assert {m.result for m in methods if m.family == "SPS"} == {"ssdi", "rnd", "tsp", "sps"}
    tda = [m for m in methods if m.family == "TDA"]
    assert len(tda) == len(CONFIG["tda"]["report_policies"])
    assert all(m.baseline == "tda_none" for m in tda)
    gains = {m.result: m.paper_gains for m in tda}
    released = gains["tda_randaug-t-n2-m9-temporalp-released"]
    assert released == gains["tda_randaug-t-n2-m9-temporalp"]
    assert gains["tda_randaug-t-n2-m9-temporalp"]["UCF101-VIPriors"] == pytest.approx(69.23 - 49.37)
    assert gains["tda_randaug-t-n2-m9-temporalp-released"] == gains["tda_randaug-t-n2-m9-temporalp"]
    assert gains["tda_none"] == {}
    with pytest.raises(KeyError, match="registered in videoaug.report.methods.FAMILIES"):
        registered_methods(CONFIG, ["NOPE"])


def test_families_option_limits_the_rule_inputs_not_the_rows():
    config = {**CONFIG, "leaderboard": {"families": ["SPS"], "datasets": None}}
    inputs = leaderboard_inputs(config, "toy")
    assert inputs and all("_tda_" not in p for p in inputs)
    # each SPS method's seed runs: the result JSON and its per-video scores
    assert len(inputs) == 4 * 2 * len(CONFIG["report"]["seeds"])
    assert "results/scores/seeds/toy_ssdi_s0.npz" in inputs
    families = {m["family"] for m in leaderboard_params(config, "toy")["methods"]}
    assert families >= {"SPS", "TDA"}  # TDA rows stay, as missing when not built


def test_cli_writes_all_three_outputs(tmp_path):
    _write(tmp_path)
    params = {
        "dataset": "toy",
        "seeds": [0, 1, 2],
        "methods": [m.to_json() for m in _sps_methods()],
    }
    out = tmp_path / "out"
    rc = main([
        "leaderboard", "--params", json.dumps(params),
        "--results-dir", str(tmp_path / "results"),
        "--benchmarks-dir", str(tmp_path / "benchmarks"),
        "--md", str(out / "l.md"), "--csv", str(out / "l.csv"), "--png", str(out / "l.png"),
        "--html", str(out / "l.html"),
    ])  # fmt: skip
    assert rc == 0
    assert (out / "l.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| rnd |" in (out / "l.md").read_text()
    html = (out / "l.html").read_text()
    assert "<tr data-result='tsp' class='missing'>" in html
    assert "<td data-col='top1'>70.00</td>" in html
    assert "<td data-col='gain'>baseline</td>" in html
    assert main(["leaderboard", "--params", "{not json", "--md", str(out / "x.md")]) != 0


def test_gain_interval_in_every_output(tmp_path):
    """The gain and its interval: "+1.3 [-0.8, +3.4]" in text, gain_pp/gain_low/gain_high in the
    CSV, "*" and a bold cell where the interval excludes 0."""
    results = tmp_path / "results"
    rng = np.random.default_rng(1)
    for seed in range(3):
        base = correct_with(200, 100, rng)
        better = base.copy()
        better[np.flatnonzero(~base)[:40]] = True  # +20 points on the same videos
        write_run(results, "toy", "ssdi", seed, base)
        write_run(results, "toy", "sps", seed, better)
        write_run(results, "toy", "rnd", seed, base[rng.permutation(200)])  # no real gain
    rows = {r.method.result: r for r in leaderboard_rows(_sps_methods(), "toy", [0, 1, 2],
                                                         str(results), str(tmp_path / "b"))}
    sps, rnd = rows["sps"].paired, rows["rnd"].paired
    assert sps.gain == pytest.approx(20.0) and sps.excludes_zero
    assert rnd.gain == pytest.approx(0.0) and not rnd.excludes_zero
    md = leaderboard_markdown(list(rows.values()), "toy", [0, 1, 2])
    line = next(x for x in md.splitlines() if "| sps |" in x)
    assert f"| +20.0 [{sps.low:+.1f}, {sps.high:+.1f}] * |" in line
    assert "| 3 × 200 |" in line
    assert f"| +0.0 [{rnd.low:+.1f}, {rnd.high:+.1f}] |" in next(
        x for x in md.splitlines() if "| rnd |" in x)
    table = {r["result"]: r for r in csv.DictReader(leaderboard_csv(list(rows.values()))
                                                    .splitlines())}
    assert float(table["sps"]["gain_pp"]) == pytest.approx(20.0)
    assert float(table["sps"]["gain_low"]) == pytest.approx(sps.low, abs=1e-4)
    assert float(table["sps"]["gain_high"]) == pytest.approx(sps.high, abs=1e-4)
    assert table["sps"]["gain_excludes_zero"] == "true"
    assert table["rnd"]["gain_excludes_zero"] == "false"
    assert table["ssdi"]["gain_pp"] == "" and table["tsp"]["gain_low"] == ""
    assert float(table["sps"]["gain_p"]) == pytest.approx(sps.p_value)
    from videoaug.report.leaderboard import leaderboard_html

    html = leaderboard_html(list(rows.values()), "toy", [0, 1, 2])
    assert "<td data-col='gain' class='excludes0'>+20.0 [" in html
