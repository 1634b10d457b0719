"""What a learner sees first (issue 22): the address `make course` prints opens notebooks/00_start_here.ipynb,
and JupyterLab asks no question about news.

The server is started with the options of the Makefile's own `course` recipe (read with `make -n course`) and the
settings overrides `make course` copies into the environment (binder/overrides.json, which Binder's postBuild
installs too), from the test environment's JupyterLab. A control run without those overrides must show the news
question, so the check can fail. Everything waits for conditions in the page, never for a fixed time.

The fresh-clone tests of tests/test_first_hour.py (slow) set up the whole environment, as root and as a created
user; this one checks the same two things in seconds.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import ROOT
from .jupyterlab_server import free_port, stop

CHROMIUM = "/usr/bin/chromium"
NEWS_QUESTION = "Would you like to get notified about official Jupyter news?"
START = "notebooks/00_start_here.ipynb"

if not shutil.which(CHROMIUM):
    pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} (make browser)", allow_module_level=True)
if shutil.which("make") is None:
    pytest.skip("needs make", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright")

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _course_recipe_options():
    """The options the Makefile's `course` target passes to `jupyter lab` (a dry run: nothing is installed)."""
    text = subprocess.run(["make", "-n", "--no-print-directory", "course", "VENV=/nonexistent-venv"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout.replace("\\\n", " ")
    line = next(line for line in text.splitlines() if "/bin/jupyter lab" in line)
    words = shlex.split(line)
    return words[words.index("lab") + 1:]


@contextlib.contextmanager
def _course_server(tmp_path, *, overrides):
    """Run `jupyter lab` as `make course` does; yield the address it prints (with the token filled in)."""
    settings = tmp_path / "app-settings"
    if overrides:
        (settings / "overrides.d").mkdir(parents=True)
        shutil.copy(ROOT / "binder" / "overrides.json", settings / "overrides.d" / "model-collapse-course.json")
    else:
        settings.mkdir()
    port, token = free_port(), "first-look"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_PORT=str(port), JUPYTER_TOKEN=token, BROWSER="true")
    env.pop("MPLBACKEND", None)
    command = [sys.executable, "-m", "jupyterlab", *_course_recipe_options(), "--no-browser", "--ip=127.0.0.1",
               "--ServerApp.port_retries=0", f"--LabApp.app_settings_dir={settings}",
               f"--LabApp.user_settings_dir={tmp_path / 'user-settings'}",
               f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}"]
    if "--allow-root" not in command and os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp_path / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                   start_new_session=True)
    try:
        deadline, printed = time.monotonic() + 120, None
        while printed is None:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
            match = re.search(r"http://127\.0\.0\.1:\d+/\S*", log.read_text())
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5):
                    printed = match.group(0) if match else None
            except OSError:
                pass
            if printed is None:
                time.sleep(0.3)
        yield printed.replace("token=...", f"token={token}")
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


def _open(browser, address):
    """Open ``address`` the way a learner pastes it; return the page once 00 is the current tab and the news
    plugin has read its settings (its request for its config section has been answered)."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(120_000)
    with page.expect_response(lambda r: "/api/config/" in r.url and "apputilsextensionannouncements" in r.url) as answered:
        page.goto(address)
    answered.value.finished()
    page.locator(".lm-TabBar-tab.jp-mod-current", has_text="00_start_here.ipynb").wait_for()
    page.locator(".jp-NotebookPanel:visible h1", has_text="Start here").first.wait_for()
    return page


def test_the_news_question_shows_without_the_course_settings(browser, tmp_path):
    """The control: without binder/overrides.json, JupyterLab asks (so the test below can fail)."""
    with _course_server(tmp_path, overrides=False) as address:
        page = _open(browser, address)
        page.get_by_text(NEWS_QUESTION).first.wait_for()
        page.context.close()


def test_the_printed_address_opens_notebook_00_and_no_question_is_asked(browser, tmp_path):
    with _course_server(tmp_path, overrides=True) as address:
        assert address.split("?")[0].endswith(f"/lab/tree/{START}"), address
        page = _open(browser, address)
        # The plugin asks as soon as it has its settings and the app is restored, both done here; the status bar's
        # notification counter and the notification centre then say whether anything was emitted.
        page.locator(".jp-Notification-Status").click()
        center = page.locator(".jp-Notification-Center")
        center.wait_for()
        assert NEWS_QUESTION not in center.inner_text()
        assert page.get_by_text(NEWS_QUESTION).count() == 0
        page.context.close()
