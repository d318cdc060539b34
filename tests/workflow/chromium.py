"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: the
browser reads NUL-terminated JSON commands on fd 3 and answers on fd 4), so a test can run
JavaScript in a page and take screenshots with nothing but Debian's ``chromium`` and the stdlib."""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)
INSTALL = Path(__file__).resolve().parents[2] / "scripts" / "install_chromium.sh"


def chromium_binary() -> str:
    """``chromium`` on PATH, installed by scripts/install_chromium.sh when missing."""
    found = shutil.which("chromium")
    if found is None:
        proc = subprocess.run([str(INSTALL)], capture_output=True, text=True, timeout=900)
        found = shutil.which("chromium")
        if found is None:
            raise RuntimeError(f"chromium is missing and could not be installed:\n{proc.stderr}")
    return found


class Chromium:
    """One headless browser with one page (a fresh ``user_data_dir``)."""

    def __init__(self, user_data_dir: Path, width: int = 1400, height: int = 900):
        cmd_r, self._cmd_w = os.pipe()  # we write commands, the browser reads them on fd 3
        self._out_r, out_w = os.pipe()  # the browser answers on fd 4

        def _fds() -> None:
            # via fresh numbers: a pipe end may already be fd 3 or 4, and dup2 onto itself would
            # keep its close-on-exec flag
            cmd, out = os.dup(cmd_r), os.dup(out_w)
            os.dup2(cmd, 3)
            os.dup2(out, 4)

        self.proc = subprocess.Popen(
            [chromium_binary(), *FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=_fds,
        )
        os.close(cmd_r)
        os.close(out_w)
        self._next_id = 0
        self._buffer = b""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            page=True,
        )

    def call(self, method: str, params: dict | None = None, page: bool = False, timeout=60.0):
        """Send one command (to the page's session when ``page``) and return its result."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if page:
            message["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._out_r], [], [], left)[0]:
                raise TimeoutError(f"chromium did not answer {method} within {timeout} s")
            chunk = os.read(self._out_r, 1 << 20)
            if not chunk:
                raise RuntimeError(f"chromium exited (rc {self.proc.poll()}) during {method}")
            self._buffer += chunk

    def evaluate(self, expression: str, timeout: float = 60.0):
        """The JSON value of ``expression`` (awaited when it is a promise)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            page=True,
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str, ready: str, timeout: float = 60.0) -> None:
        """Navigate to ``url`` and wait until the JavaScript ``ready`` is true."""
        self.call("Page.navigate", {"url": url}, page=True)
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"Boolean({ready})"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url}: {ready} not true within {timeout} s")
            time.sleep(0.2)

    def screenshot(self) -> bytes:
        return base64.b64decode(
            self.call("Page.captureScreenshot", {"format": "png"}, page=True)["data"]
        )

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)
        os.close(self._out_r)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
