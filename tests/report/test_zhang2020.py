import json

import pytest

from videoaug.report.tables import mean_std
from videoaug.report.zhang2020 import fig4_table, fig5_plot, table2_table


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
