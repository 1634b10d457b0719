"""Start a throw-away JupyterLab server for the browser tests, and stop it.

The server listens on 127.0.0.1 at a free port, with no token and no password, no browser, no news
or update check, and its own settings, workspaces and runtime folders, so nothing of the user's
Jupyter set-up leaks in (and nothing is written back). Notebook windowing is off: every cell stays in
the page, so the tests can see every output.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# User settings of the temporary server (JupyterLab's settings folder layout: plugin id -> file).
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": "JupyterLab Light"},
}


def free_port():
    """A TCP port that nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_settings(folder):
    for name, values in SETTINGS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _wait_until_answering(url, process, log, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer at {url} within {timeout} s:\n{log.read_text()[-3000:]}")


def stop(process):
    """Stop the server and its kernels: they share the server's process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@contextlib.contextmanager
def jupyterlab(root_dir, state_dir, log, *, timeout=120):
    """Run JupyterLab serving ``root_dir``; yield its base URL (``http://127.0.0.1:<port>``).

    ``state_dir`` receives the server's settings, workspaces and runtime files; ``log`` its output.
    """
    state_dir, log = Path(state_dir), Path(log)
    _write_settings(state_dir / "settings")
    port = free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(state_dir / "config"), JUPYTER_RUNTIME_DIR=str(state_dir / "runtime"))
    # The kernel must use the inline backend, as a learner's does (the test session itself forces Agg).
    env.pop("MPLBACKEND", None)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root_dir}",
               "--IdentityProvider.token=", "--PasswordIdentityProvider.hashed_password=",
               "--ServerApp.disable_check_xsrf=True",  # lets the tests shut kernels down over the REST API
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", f"--LabApp.user_settings_dir={state_dir / 'settings'}",
               f"--LabApp.workspaces_dir={state_dir / 'workspaces'}"]
    if os.geteuid() == 0:  # containers and CI runners often run as root
        command.append("--allow-root")
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root_dir,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(url, process, log, timeout)
        yield url
    finally:
        stop(process)
