"""Setup scripts run by `make setup`: scripts/install_mediapipe.sh (what it installs segments a
frame with this project's numpy and protobuf) and scripts/install_detectron2.sh (the patched
pure-Python detectron2 builds the paper's Mask R-CNN from its model-zoo config). Both are
idempotent: on an installed venv they only run their checks."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install_mediapipe.sh"


def test_install_script_checks_a_working_mediapipe():
    pip = Path(sys.executable).with_name("pip")
    proc = subprocess.run([str(SCRIPT), str(pip)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "mediapipe 0.10.21" in proc.stdout or "Successfully" in proc.stdout
    assert "mediapipe OK: selfie segmentation (48, 64) float32" in proc.stdout


def test_install_detectron2_script_checks_the_model_zoo():
    pip = Path(sys.executable).with_name("pip")
    script = ROOT / "scripts" / "install_detectron2.sh"
    proc = subprocess.run([str(script), str(pip)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "detectron2 OK: GeneralizedRCNN 44343216 parameters" in proc.stdout


def test_make_setup_runs_them_and_pins_their_dependencies():
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/install_mediapipe.sh $(PIP)" in makefile
    assert "scripts/install_detectron2.sh $(PIP)" in makefile
    assert ".[dev,text,segment,detectron2]" in makefile
    import importlib.metadata as metadata

    assert metadata.version("mediapipe") == "0.10.21"
    assert metadata.version("protobuf") == "6.33.6"
