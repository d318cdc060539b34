"""scripts/opencv_contrib.sh (run by `make setup`): a venv that still holds opencv-python-headless
ends with the contrib build only and a working cv2.optflow.

pip and python are stand-ins that model what matters: both OpenCV wheels install the same cv2/
files, and uninstalling either one deletes them (the "empty cv2" trap)."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "opencv_contrib.sh"

FAKE_PIP = r"""#!/usr/bin/env bash
state={state}
cmd=$1; shift
echo "$cmd $*" >> "$state/calls"
case $cmd in
  show) grep -qx "$1" "$state/installed" ;;
  uninstall)
    for p in "$@"; do case $p in -*) ;; *)
      sed -i "/^$p$/d" "$state/installed"; rm -f "$state/cv2_files";; esac; done ;;
  install)
    for p in "$@"; do case $p in -*) ;; *)
      name=${{p%%==*}}
      grep -qx "$name" "$state/installed" || echo "$name" >> "$state/installed"
      touch "$state/cv2_files";; esac; done ;;
esac
"""

FAKE_PY = r"""#!/usr/bin/env bash
state={state}
test -f "$state/cv2_files" && grep -qx opencv-contrib-python-headless "$state/installed"
"""


def _run(tmp_path: Path, installed: list[str]) -> tuple[subprocess.CompletedProcess, Path]:
    state = tmp_path / "state"
    state.mkdir()
    (state / "installed").write_text("".join(p + "\n" for p in installed))
    if installed:
        (state / "cv2_files").touch()
    for name, text in (("pip", FAKE_PIP), ("python", FAKE_PY)):
        path = tmp_path / name
        path.write_text(text.format(state=state))
        path.chmod(0o755)
    command = [str(SCRIPT), str(tmp_path / "pip"), str(tmp_path / "python"), "4.14.0.94"]
    proc = subprocess.run(command, capture_output=True, text=True, env={**os.environ})
    return proc, state


def test_plain_and_contrib_side_by_side_end_as_contrib_only(tmp_path):
    proc, state = _run(tmp_path, ["opencv-python-headless", "opencv-contrib-python-headless"])
    assert proc.returncode == 0, proc.stderr
    assert (state / "installed").read_text().split() == ["opencv-contrib-python-headless"]
    assert (state / "cv2_files").exists()  # the contrib files were put back after the uninstall
    assert "--force-reinstall" in (state / "calls").read_text()


def test_contrib_only_is_left_alone(tmp_path):
    proc, state = _run(tmp_path, ["opencv-contrib-python-headless"])
    assert proc.returncode == 0, proc.stderr
    calls = (state / "calls").read_text().split("\n")
    assert all(not c.startswith(("install", "uninstall")) for c in calls)


def test_missing_optflow_fails_with_the_fix(tmp_path):
    proc, _ = _run(tmp_path, [])
    assert proc.returncode == 1
    assert "opencv-contrib-python-headless==4.14.0.94" in proc.stderr


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "python").exists(), reason="no project venv")
def test_project_venv_has_the_contrib_build():
    # TV-L1 (contrib) and what the rest of the project uses from cv2 (HOG, inpainting)
    code = "import cv2; cv2.optflow.DualTVL1OpticalFlow_create; cv2.HOGDescriptor; cv2.inpaint"
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", code],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
