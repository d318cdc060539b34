"""Leaderboard rows against an independent computation from the result JSONs."""

import csv
import json
import statistics
from pathlib import Path

import pytest
import yaml

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
    for name, values in TOP1.items():
        for seed, top1 in enumerate(values):
            path = tmp / "results" / "seeds" / f"{ds}_{name}_s{seed}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            added = 0 if name == "ssdi" else 8
            path.write_text(
                json.dumps({"metrics": {"top1": top1},
                            "counts": {"train_generated": added, "test_videos": 200}})
            )
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
    assert rows["sps"].gain == pytest.approx(70.0 - base)
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


def test_registry_lists_sps_and_tda_with_their_baselines():
    methods = registered_methods(CONFIG)
    assert {m.family for m in methods} >= {"SPS", "TDA"}
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
    assert len(inputs) == 4 * len(CONFIG["report"]["seeds"])
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
    assert main(["leaderboard", "--params", "{not json", "--md", str(out / "x.md")]) != 0
