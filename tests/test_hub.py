"""The course on a real JupyterHub, with nbgrader's exchange, system users and a load test.

What runs (all on localhost, started and stopped by the test):

- JupyterHub (pinned in requirements-hub.txt, which also pins nbgrader 0.9.6 through requirements-nbgrader.txt)
  installed by the test into ``test-artifacts/hub/env``, and configurable-http-proxy from the npm registry into
  ``test-artifacts/hub/node`` (both reused while their pins are unchanged);
- an instructor and six students as real system users (created here, deleted at the end), homes at mode 700;
  the hub's LocalProcessSpawner starts each student's server as that user. The single-user environment is
  one for everybody, as on The Littlest JupyterHub: the hub, nbgrader and the course (requirements.txt without
  torch, which notebook 00 does not use), built from a Python every user may run;
- a graded lab (``python -m course lab --graded``) of notebook 00 goes through nbgrader's exchange on a shared
  folder: release -> fetch (each student) -> the students' answers are run through the hub (kernel reached through
  the hub's proxy, the checkers' graded feedback read back) -> submit -> collect -> autograde -> feedback
  released -> fetched. Scores: full, full minus the one wrong exercise, zero; the student who submits twice is
  graded on the last submission; a student can neither list the exchange's inbound folder nor read another
  student's home or the instructor's source;
- load: one student runs the released notebook alone, then six students run it at the same moment through the
  hub; every run must give the solo run's outputs. Per-student peak memory (server + kernel) and wall times are
  written to benchmarks/hub.md.

The same environment (built once per session by ``binder/postBuild``, as the single-user image is) serves a
second hub, ``TestOneUidForEverybody``, the Zero to JupyterHub recipe: every server runs as one uid with its own
empty home folder and starts through ``binder/start``; nbgrader's exchange is ngshare, a JupyterHub service in its
own environment. Measurements go to test-artifacts/hub/ (``make hub-bench`` copies the load table to
benchmarks/hub.md); no test writes into the repository.

Skipped, saying why, when not root (system users are needed), when node/npm or useradd are missing, or when the
package registries cannot be reached. On a loaded 2-core machine the first test takes about 8-10 minutes and the
one-uid class about 7 (the first run installs the environments: 15 minutes more).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from course import grading, lab

from .conftest import ROOT

# One worker runs every test here: they share test-artifacts/hub/ (the image is rebuilt for each module run), and
# two workers building it at once would delete each other's files.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hub")]

HUB_DIR = ROOT / "test-artifacts" / "hub"
REQUIREMENTS = ROOT / "requirements-hub.txt"
CHP_VERSION = "5.3.0"  # configurable-http-proxy from the npm registry
NOTEBOOK = ROOT / "solutions" / "00_start_here.ipynb"
COURSE_ID = "model-collapse"
ASSIGNMENT = "graded"
N_STUDENTS = 6
MEASUREMENTS = HUB_DIR / "hub.md"  # the load measurements; `make hub-bench` copies them to benchmarks/hub.md


# --- installing the pieces -----------------------------------------------------------------------------------


def _offline(text):
    return any(sign in text for sign in ("NewConnectionError", "Temporary failure in name resolution", "ENOTFOUND",
                                         "Network is unreachable", "EAI_AGAIN"))


def _shared_python():
    """An interpreter (>= 3.11) that every user may run: the students' servers and kernels run as them."""
    for candidate in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        probe = subprocess.run(["runuser", "-u", "nobody", "--", candidate, "-c",
                                "import sys, venv, ensurepip; assert sys.version_info >= (3, 11)"],
                               capture_output=True, timeout=60)
        if probe.returncode == 0:
            return candidate
    pytest.skip("no Python >= 3.11 with venv that other users may run (this one lives in a private folder)")


def _pins():
    """requirements-hub.txt, requirements-nbgrader.txt and binder/requirements.txt (less torch) as one list."""
    lines = []
    for path in (REQUIREMENTS, ROOT / "requirements-nbgrader.txt", ROOT / "binder" / "requirements.txt"):
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-", "torch")) and line not in lines:
                lines.append(line)  # torch: notebook 00 does not use it, and it is a 700 MB download
    return lines


def _hub_env():
    """test-artifacts/hub/env: JupyterHub, ngshare, nbgrader and the learner's stack, from the pins.

    The hub, the ngshare service, the students' servers and kernels and the autograder all run it, as on The
    Littlest JupyterHub (one environment for everybody); ``_image`` then installs the course into it the way the
    single-user image does. Where this machine's shared Python is too old for a pinned version (a
    Requires-Python mismatch), that one package is left to pip's choice and listed in ``relaxed.txt`` (the
    measurements note it). Reused while the pins are unchanged.
    """
    env = HUB_DIR / "env"
    lines = _pins()
    wanted = "\n".join(lines) + "\n"
    stamp = env / ".installed"
    if stamp.exists() and stamp.read_text() == wanted:
        return env
    python = _shared_python()
    HUB_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run([python, "-m", "venv", "--clear", str(env)], check=True, timeout=300)
    relaxed = []
    for _ in range(20):
        requirements = HUB_DIR / "requirements-flat.txt"
        requirements.write_text("\n".join(lines) + "\n")
        result = subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(requirements)],
                                capture_output=True, text=True, timeout=1500, cwd=HUB_DIR)
        if not result.returncode:
            break
        match = re.search(r"No matching distribution found for ([A-Za-z0-9_.-]+)==", result.stderr)
        if match and "Requires-Python" in result.stderr:
            name = match.group(1)
            lines = [name if line.split("==")[0].lower() == name.lower() else line for line in lines]
            relaxed.append(name)
            continue
        if _offline(result.stderr):
            pytest.skip(f"no package index reachable for requirements-hub.txt:\n{result.stderr[-1500:]}")
        pytest.fail(f"requirements-hub.txt could not be installed:\n{result.stderr[-3000:]}")
    else:
        pytest.fail(f"too many pins need a newer Python than {python}: {relaxed}")
    (HUB_DIR / "relaxed.txt").write_text("".join(f"{name}\n" for name in relaxed))
    stamp.write_text(wanted)
    return env


def _ngshare_env():
    """test-artifacts/hub/ngshare-env: the ngshare service's own environment (requirements-ngshare.txt says why)."""
    env = HUB_DIR / "ngshare-env"
    wanted = (ROOT / "requirements-ngshare.txt").read_text()
    stamp = env / ".installed"
    if stamp.exists() and stamp.read_text() == wanted:
        return env
    HUB_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run([_shared_python(), "-m", "venv", "--clear", str(env)], check=True, timeout=300)
    result = subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r",
                             str(ROOT / "requirements-ngshare.txt")], capture_output=True, text=True, timeout=1500)
    if result.returncode:
        if _offline(result.stderr):
            pytest.skip(f"no package index reachable for requirements-ngshare.txt:\n{result.stderr[-1500:]}")
        pytest.fail(f"requirements-ngshare.txt could not be installed:\n{result.stderr[-3000:]}")
    stamp.write_text(wanted)
    return env


def _image(env):
    """What the single-user image adds to the environment: binder/postBuild, run in a copy of the repository.

    The copy (test-artifacts/hub/image) holds the repository's files (tracked, or new and not ignored) less
    ``solutions/``, as docs/instructors.md builds the image; it stands where repo2docker's ``--target-repo-dir`` puts it, outside
    every home folder, and its ``binder/start`` is the servers' start hook. postBuild installs the course (not
    editable), ngshare-exchange and the learner notebooks into the environment; it runs every time (the course
    may have changed), with a throw-away home folder.
    """
    image = HUB_DIR / "image"
    shutil.rmtree(image, ignore_errors=True)
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, timeout=60)
    files = [name for name in listed.stdout.decode().split("\0") if name] if not listed.returncode else None
    if not files:
        pytest.skip("the hub tests build the image from the repository's tracked files: git ls-files failed here")
    for name in files:
        if name.startswith("solutions/") or not (ROOT / name).is_file():
            continue
        (image / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, image / name)
    home = HUB_DIR / "build-home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env_vars = {**os.environ, "HOME": str(home), "PATH": f"{env / 'bin'}:{os.environ['PATH']}",
                "VIRTUAL_ENV": str(env), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env_vars.pop("PYTHONPATH", None)  # the image's course is the installed one, not this checkout
    result = subprocess.run(["bash", "binder/postBuild"], cwd=image, env=env_vars, capture_output=True, text=True,
                            timeout=900)
    if result.returncode:
        if _offline(result.stderr):
            pytest.skip(f"no package index reachable for binder/postBuild:\n{result.stderr[-1500:]}")
        pytest.fail(f"binder/postBuild failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return image


def _proxy():
    """configurable-http-proxy from the npm registry, in test-artifacts/hub/node."""
    node_dir = HUB_DIR / "node"
    chp = node_dir / "node_modules" / ".bin" / "configurable-http-proxy"
    stamp = node_dir / ".installed"
    if stamp.exists() and stamp.read_text() == CHP_VERSION and chp.exists():
        return chp
    node_dir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["npm", "install", "--prefix", str(node_dir), f"configurable-http-proxy@{CHP_VERSION}",
                             "--no-audit", "--no-fund"], capture_output=True, text=True, timeout=900)
    if result.returncode:
        if _offline(result.stdout + result.stderr):
            pytest.skip(f"the npm registry is not reachable for configurable-http-proxy:\n{result.stderr[-1500:]}")
        pytest.fail(f"configurable-http-proxy could not be installed:\n{result.stderr[-3000:]}")
    stamp.write_text(CHP_VERSION)
    return chp


def _require_machine():
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("the hub test creates system users for an instructor and six students: run it as root "
                    "(CI does), e.g. in a container")
    missing = [tool for tool in ("node", "npm", "useradd", "userdel", "runuser") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the hub test needs {', '.join(missing)} (configurable-http-proxy runs on node; system users)")


# --- users, processes -----------------------------------------------------------------------------------------


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Machine:
    """Creates the test's system users and folders, and removes them (and their processes) afterwards."""

    def __init__(self):
        self.tag = f"mc{os.getpid() % 100000}"
        self.work = Path(tempfile.mkdtemp(prefix="course-hub-"))
        self.work.chmod(0o755)
        (self.work / "home").mkdir(mode=0o755)
        self.users = []

    def add_user(self, role):
        name = f"{self.tag}{role}"
        home = self.work / "home" / name
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", name],
                       check=True, capture_output=True, timeout=60)
        self.users.append(name)
        home.chmod(0o700)  # the hub set-up of docs/instructors.md: homes are private
        return name

    def uid(self, name):
        try:
            return pwd.getpwnam(name).pw_uid
        except KeyError:
            return None  # removed already

    def home(self, name):
        return Path(pwd.getpwnam(name).pw_dir)

    def processes(self, name):
        import psutil

        uid = self.uid(name)
        found = []
        if uid is None:
            return found
        for process in psutil.process_iter(["uids"]):
            try:
                if process.info["uids"] and process.info["uids"].real == uid:
                    found.append(process)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return found

    def memory(self, name):
        """Resident memory (bytes) of everything the user runs: their server and kernels."""
        import psutil

        total = 0
        for process in self.processes(name):
            try:
                total += process.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total

    def cleanup(self):
        for name in self.users:
            for process in self.processes(name):  # only processes of the users this test created
                try:
                    process.kill()
                except Exception:  # noqa: BLE001 (already gone)
                    pass
        for name in self.users:
            subprocess.run(["userdel", name], capture_output=True, timeout=60)
        shutil.rmtree(self.work, ignore_errors=True)


def _as(user, machine, env_dir, *args, cwd=None, check=True, timeout=600):
    """Run a command as ``user`` (a login-like environment: their HOME, the hub environment's bin/ first)."""
    home = machine.home(user)
    env = {"HOME": str(home), "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
           "PATH": f"{env_dir / 'bin'}:/usr/local/bin:/usr/bin:/bin", "OMP_NUM_THREADS": "1",
           "JUPYTER_CONFIG_DIR": str(home / ".jupyter")}
    result = subprocess.run(["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()], *args],
                            cwd=cwd or home, capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, f"{' '.join(args)} as {user} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


# --- the hub -------------------------------------------------------------------------------------------------

_HUB_CONFIG = """
c = get_config()
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.db_url = "sqlite:///{work}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{work}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{work}/jupyterhub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = set({users!r})
c.JupyterHub.services = [{{"name": "course-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "course-test", "services": ["course-test"],
                            "scopes": ["admin:users", "admin:servers", "access:servers", "read:users", "servers"]}}]
# The image's start hook (a repo2docker image's entrypoint runs binder/start; on TLJH, Spawner.cmd).
c.Spawner.cmd = [{start!r}, {singleuser!r}]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.Spawner.environment = {{"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}}
c.JupyterHub.cleanup_servers = True
"""


class Hub:
    """JupyterHub on localhost; ``extra_config`` is appended to its configuration file (formatted with the same
    fields); ``home(user)`` is where a user's server keeps its files (their system home by default)."""

    def __init__(self, machine, env_dir, chp, start, users, extra_config="", home=None, **fields):
        self.machine, self.env_dir = machine, env_dir
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.home = home or machine.home
        config = machine.work / "jupyterhub_config.py"
        config.write_text((_HUB_CONFIG + extra_config).format(
            port=self.port, hub_port=_free_port(), proxy_api_port=_free_port(), chp=str(chp), work=machine.work,
            users=sorted(users), token=self.token, singleuser=str(env_dir / "bin" / "jupyterhub-singleuser"), start=str(start),
            **fields))
        env = {**os.environ, "PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}"}
        env.pop("PYTHONPATH", None)  # the servers and kernels import the course installed in the environment
        self.log = open(machine.work / "jupyterhub.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen([str(env_dir / "bin" / "jupyterhub"), "-f", str(config)], cwd=machine.work,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait(lambda: self.api("GET", "/hub/api/").ok, 120, "the hub to answer")
        self.api("POST", "/hub/api/users", json={"usernames": sorted(users)})  # 409 when they exist already

    def _wait(self, ready, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the hub exited while waiting for {what}:\n{self.tail()}")
            try:
                if ready():
                    return
            except Exception:  # noqa: BLE001 (not up yet)
                pass
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what}:\n{self.tail()}")

    def tail(self, size=4000):
        self.log.flush()
        return (self.machine.work / "jupyterhub.log").read_text()[-size:]

    def api(self, method, path, **kwargs):
        import requests

        return requests.request(method, self.url + path, headers={"Authorization": f"token {self.token}"},
                                timeout=60, **kwargs)

    def spawn(self, user):
        response = self.api("POST", f"/hub/api/users/{user}/server")
        assert response.status_code in (201, 202), response.text

    def wait_ready(self, user, seconds=300):
        def ready():
            model = self.api("GET", f"/hub/api/users/{user}").json()
            return model.get("servers", {}).get("", {}).get("ready")

        self._wait(ready, seconds, f"{user}'s server")

    def stop_server(self, user):
        response = self.api("DELETE", f"/hub/api/users/{user}/server")
        assert response.status_code in (202, 204), response.text

        def stopped():
            return not self.api("GET", f"/hub/api/users/{user}").json().get("servers", {})

        self._wait(stopped, 120, f"{user}'s server to stop")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the hub stops the servers it spawned and its proxy
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(30)
        self.log.close()


def run_through_hub(hub, user, path, timeout=600, nb=None):
    """Execute the notebook at ``path`` (relative to the user's home) in a kernel reached through the hub's proxy.

    ``nb``: run this notebook instead of the file's content (the kernel still starts in the file's folder).
    Returns ``(notebook with outputs, seconds)``; the notebook is not saved.
    """
    import websocket

    base, headers = f"/user/{user}/api", {"Authorization": f"token {hub.token}"}
    session = hub.api("POST", f"{base}/sessions", json={"path": path, "type": "notebook", "name": Path(path).name,
                                                         "kernel": {"name": "python3"}})
    assert session.status_code == 201, session.text
    kernel_id = session.json()["kernel"]["id"]
    nb = nb if nb is not None else nbformat.read(hub.home(user) / path, 4)
    start = time.perf_counter()
    ws = websocket.create_connection(f"ws://127.0.0.1:{hub.port}{base}/kernels/{kernel_id}/channels",
                                     header=[f"{k}: {v}" for k, v in headers.items()], timeout=timeout)
    session_id = uuid.uuid4().hex
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps({
                "header": {"msg_id": msg_id, "username": user, "session": session_id, "msg_type": "execute_request",
                           "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": cell.source, "silent": False, "store_history": True, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True}}))
            cell.outputs, replied, idle = [], False, False
            while not (replied and idle):
                msg = _message(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "execute_reply":
                    replied = True
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    idle = True
                elif kind in ("stream", "display_data", "execute_result", "error"):
                    cell.outputs.append(nbformat.v4.output_from_msg(msg))
    finally:
        ws.close()
        hub.api("DELETE", f"{base}/sessions/{session.json()['id']}")
    return nb, time.perf_counter() - start


def run_code(hub, user, code, folder="."):
    """Run ``code`` in a new kernel of ``user``'s server (started in ``folder`` of their home), through the hub's
    proxy, as a student or instructor would in a notebook; returns its printed text. A kernel error fails."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    ran, _ = run_through_hub(hub, user, "probe.ipynb" if folder == "." else f"{folder}/probe.ipynb", nb=nb)
    assert not _errors(ran), f"{user}: {_errors(ran)}\n{_text(ran)}"
    return "".join(_text(ran))


def _message(frame):
    """A kernel message from a websocket frame: JSON text, or binary (offsets, JSON, buffers) for one with buffers."""
    if isinstance(frame, str):
        return json.loads(frame)
    count = int.from_bytes(frame[:4], "big")
    offsets = [int.from_bytes(frame[4 + 4 * i: 8 + 4 * i], "big") for i in range(count)]
    end = offsets[1] if count > 1 else len(frame)
    return json.loads(frame[offsets[0]:end].decode())


def _text(nb):
    """Every text output of a notebook, cell by cell (what a run must reproduce)."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append(output.text)
            elif output.output_type == "error":
                texts.append(f"ERROR {output.ename}: {output.evalue}")
            elif "text/plain" in output.get("data", {}):
                texts.append(output.data["text/plain"])
    return texts


def _errors(nb):
    return [text for text in _text(nb) if text.startswith("ERROR")]


class Peak:
    """Poll a user's resident memory in the background; ``.peak`` in MB."""

    def __init__(self, machine, user):
        self.machine, self.user, self.peak, self._stop = machine, user, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.machine.memory(self.user) / 2**20)
            self._stop.wait(0.2)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.peak


# --- the test ------------------------------------------------------------------------------------------------


def _answer(nb, name, body):
    """Type an answer into the exercise cell ``name`` of a released notebook (its nbgrader solution cell)."""
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == name and cell.metadata["nbgrader"].get("solution"):
            cell.source = f"{body}\n\n{cell.source.strip().splitlines()[-1]}"
            return nb
    raise AssertionError(f"no exercise {name}")


def _write_as(machine, user, path, nb):
    nbformat.write(nb, path)
    os.chown(path, machine.uid(user), pwd.getpwnam(user).pw_gid)


@pytest.fixture(scope="module")
def pieces():
    """The hub's environment, the image's additions to it and the proxy: installed once for every test here."""
    _require_machine()
    started = time.perf_counter()
    env_dir = _hub_env()
    image = _image(env_dir)
    chp = _proxy()
    return {"env": env_dir, "image": image, "chp": chp, "seconds": time.perf_counter() - started}


def test_a_class_on_a_real_jupyterhub_with_nbgraders_exchange(pieces, capsys):
    started = time.perf_counter()
    env_dir, chp = pieces["env"], pieces["chp"]
    python = env_dir / "bin" / "python"  # the students' servers, their kernels and the autograder run it
    machine, hub = Machine(), None
    timings = {"install (shared by the tests)": pieces["seconds"]}
    try:
        instructor = machine.add_user("i")
        students = [machine.add_user(f"s{i}") for i in range(1, N_STUDENTS + 1)]
        exchange = machine.work / "exchange"
        exchange.mkdir()
        exchange.chmod(0o777)
        common = f'c = get_config()\nc.CourseDirectory.course_id = "{COURSE_ID}"\nc.Exchange.root = "{exchange}"\n'
        for user in [instructor, *students]:
            config_dir = machine.home(user) / ".jupyter"
            config_dir.mkdir()
            (config_dir / "nbgrader_config.py").write_text(common)
        course_dir = machine.home(instructor) / "course"
        (machine.home(instructor) / ".jupyter" / "nbgrader_config.py").write_text(
            common + f'c.CourseDirectory.root = "{course_dir}"\n')
        seed = 20261130
        lab.make_lab(course_dir, [NOTEBOOK], assignment=ASSIGNMENT, graded=True, seed=seed, kernel_python=python)
        subprocess.run(["chown", "-R", f"{instructor}:{instructor}", str(machine.home(instructor))], check=True)
        for user in students:
            subprocess.run(["chown", "-R", f"{user}:{user}", str(machine.home(user) / ".jupyter")], check=True)

        # Release through the exchange; every student fetches.
        step = time.perf_counter()
        _as(instructor, machine, env_dir, "nbgrader", "generate_assignment", ASSIGNMENT, cwd=course_dir)
        _as(instructor, machine, env_dir, "nbgrader", "release_assignment", ASSIGNMENT, cwd=course_dir)
        for user in students:
            _as(user, machine, env_dir, "nbgrader", "fetch_assignment", ASSIGNMENT, "--course", COURSE_ID)
        fetched = {user: machine.home(user) / ASSIGNMENT / NOTEBOOK.name for user in students}
        assert all(path.exists() for path in fetched.values())
        released = fetched[students[0]].read_text()
        assert str(seed) not in released and "graded_test" not in released  # the hidden tests stay with the instructor
        timings["release and fetch"] = time.perf_counter() - step

        # The hub; every student's server is spawned as that user.
        step = time.perf_counter()
        hub = Hub(machine, env_dir, chp, pieces["image"] / "binder" / "start", [instructor, *students])
        for user in students:
            hub.spawn(user)
        for user in students:
            hub.wait_ready(user)
        for user in students:
            server = [p for p in machine.processes(user) if "jupyterhub-singleuser" in " ".join(p.cmdline())]
            assert server, f"no server runs as {user}"
        timings["hub start and 6 spawns"] = time.perf_counter() - step

        # Load: one student alone, then all six at the same moment, through the hub's proxy.
        step = time.perf_counter()
        relative = f"{ASSIGNMENT}/{NOTEBOOK.name}"
        meter = Peak(machine, students[-1])
        solo, solo_seconds = run_through_hub(hub, students[-1], relative)
        solo_peak = meter.stop()
        assert not _errors(solo), _errors(solo)
        assert any("not attempted yet" in text for text in _text(solo))  # the released notebook, unanswered
        results, meters, threads = {}, {user: Peak(machine, user) for user in students}, []

        def run(user):
            try:
                results[user] = run_through_hub(hub, user, relative)
            except Exception as error:  # noqa: BLE001 (reported below)
                results[user] = error

        wall = time.perf_counter()
        for user in students:
            threads.append(threading.Thread(target=run, args=(user,)))
            threads[-1].start()
        for thread in threads:
            thread.join()
        together_wall = time.perf_counter() - wall
        peaks = {user: meter.stop() for user, meter in meters.items()}
        for user in students:
            assert not isinstance(results[user], Exception), f"{user}: {results[user]!r}"
            assert _text(results[user][0]) == _text(solo), f"{user}'s run differs from the solo run"
        timings["load"] = time.perf_counter() - step

        # Answers, run through the hub: right everywhere / one wrong exercise / untouched.
        step = time.perf_counter()
        right = _answer(nbformat.read(fetched[students[0]], 4), "fraction_lost",
                        "def fraction_lost(p_before, p_after):\n    alive = p_before > 0\n"
                        "    return np.mean(p_after[alive] == 0)")
        right = _answer(right, "survivors_after_50", f"def survivors_after_50():\n    return {_reading()!r}")
        wrong = _answer(copy_nb(right), "fraction_lost",
                        "def fraction_lost(p_before, p_after):\n    return np.mean(p_after == 0)")
        first, second, third = students[:3]
        _write_as(machine, first, fetched[first], copy_nb(nbformat.read(fetched[first], 4)))  # submitted untouched
        _as(first, machine, env_dir, "nbgrader", "submit", ASSIGNMENT, "--course", COURSE_ID)
        time.sleep(1.1)  # nbgrader orders submissions by time stamp
        for user, nb in ((first, right), (second, wrong)):
            _write_as(machine, user, fetched[user], nb)
        feedback = {}
        for user in (first, second, third):
            ran, _ = run_through_hub(hub, user, relative)
            feedback[user] = [text for text in _text(ran) if text.startswith(("✅", "❌", "✏️"))]
            _write_as(machine, user, fetched[user], ran)
            _as(user, machine, env_dir, "nbgrader", "submit", ASSIGNMENT, "--course", COURSE_ID)
        assert [text[0] for text in feedback[first]] == ["✅", "✅"], feedback[first]
        assert feedback[second][0].startswith("❌ fraction_lost") and feedback[second][1].startswith("✅")
        assert "Hint: " + grading.GRADED_HINTS["fraction_lost"] in feedback[second][0]  # graded mode's hint
        assert all(text.startswith("✏️") for text in feedback[third]), feedback[third]
        timings["answers and submissions"] = time.perf_counter() - step

        # Permissions.
        inbound = exchange / COURSE_ID / "inbound"
        probe = ("import sys\ntry:\n    open(sys.argv[1]).read() if sys.argv[2] == 'read' else __import__('os')"
                 ".listdir(sys.argv[1])\nexcept PermissionError:\n    print('denied')\nelse:\n    print('allowed')")
        for target, how in ((inbound, "list"), (course_dir / "source" / ASSIGNMENT / NOTEBOOK.name, "read"),
                            (fetched[first], "read"), (course_dir / "gradebook.db", "read")):
            result = _as(second, machine, env_dir, str(python), "-c", probe, str(target), how)
            assert result.stdout.strip() == "denied", f"{second} could {how} {target}"

        # Collect, autograde, feedback.
        step = time.perf_counter()
        for command in ("collect", "autograde", "generate_feedback", "release_feedback"):
            result = _as(instructor, machine, env_dir, "nbgrader", command, ASSIGNMENT, cwd=course_dir)
            if command == "autograde":
                assert "checksum" not in result.stdout + result.stderr and "SAWarning" not in result.stderr
        grades = _as(instructor, machine, env_dir, str(python), "-c", (
            "import json\nfrom nbgrader.api import Gradebook\n"
            f"with Gradebook('sqlite:///{course_dir}/gradebook.db') as gb:\n"
            f"    print(json.dumps({{s: gb.find_submission('{ASSIGNMENT}', s).score for s in {[first, second, third]!r}}}))"
        ), cwd=course_dir)
        scores = json.loads(grades.stdout.strip().splitlines()[-1])
        assert scores == {first: 3.0, second: 1.0, third: 0.0}  # full; minus fraction_lost's 2 points; zero
        for user in (first, second, third):
            _as(user, machine, env_dir, "nbgrader", "fetch_feedback", ASSIGNMENT, "--course", COURSE_ID)
            assert list((machine.home(user) / ASSIGNMENT / "feedback").glob("*/00_start_here.html")), user
        timings["collect, autograde, feedback"] = time.perf_counter() - step
    finally:
        if hub is not None:
            hub.stop()
        machine.cleanup()
    timings["total"] = time.perf_counter() - started
    written = _write_benchmark(solo_seconds, solo_peak, together_wall, {u: results[u][1] for u in students}, peaks,
                               timings)
    with capsys.disabled():
        print(written.read_text())


def _reading():
    """The exact widget reading of survivors_after_50 (what the dashboard's state line prints)."""
    import numpy as np

    from course import recursive
    from course.checks import recursive as check

    harmonic = 1 / np.arange(1, 21)
    exact = float(recursive.expected_survivors(harmonic / harmonic.sum(), 50, 50)[-1])
    # As many digits as the checker wants (tests/test_checks.py tests that choice, not this test).
    return next(value for value in [round(exact, digits) for digits in (3, 4, 5, 2)] + [exact]
                if check.survivors_after_50(lambda value=value: value))


def copy_nb(nb):
    return nbformat.reads(nbformat.writes(nb), 4)


def _write_benchmark(solo_seconds, solo_peak, together_wall, seconds, peaks, timings):
    import platform

    rows = "\n".join(f"| {i} | {seconds[user]:.1f} | {peaks[user]:.0f} |" for i, user in enumerate(seconds, start=1))
    steps = "\n".join(f"| {name} | {value:.0f} |" for name, value in timings.items())
    python_version = subprocess.run([str(HUB_DIR / "env" / "bin" / "python"), "-c", "import platform; "
                                     "print(platform.python_version())"], capture_output=True, text=True).stdout.strip()
    relaxed = (HUB_DIR / "relaxed.txt").read_text().split() if (HUB_DIR / "relaxed.txt").exists() else []
    relaxed_note = (f"Pins left to pip because this machine's shared Python is too old for them: "
                    f"{', '.join(relaxed)}.\n\n" if relaxed else "")
    text = f"""# Hub measurements

Written by `tests/test_hub.py` (`make hub-bench`) on {time.strftime("%Y-%m-%d")}: {platform.machine()}, {os.cpu_count()} cores,
Python {python_version} (the hub's environment); JupyterHub (requirements-hub.txt) with configurable-http-proxy {CHP_VERSION} and nbgrader
{grading.NBGRADER_VERSION}, LocalProcessSpawner, one numeric thread per kernel. Notebook
`{NOTEBOOK.name}` (the released, unanswered copy a student fetched) run cell by cell in a kernel reached through
the hub's proxy. Memory is the resident memory of everything the student's user runs (their Jupyter server and
the kernel), sampled every 0.2 s. The machine was shared with other work while this ran, so treat the times as
upper bounds.

{relaxed_note}One student alone: **{solo_seconds:.1f} s**, peak **{solo_peak:.0f} MB** (server + kernel).

{len(seconds)} students at the same moment: all finished in **{together_wall:.1f} s** of wall time
({together_wall / solo_seconds:.1f}x one student alone); every run gave the solo run's outputs.

| student | seconds | peak MB (server + kernel) |
|---|---:|---:|
{rows}

Steps of the test (seconds):

| step | s |
|---|---:|
{steps}
"""
    MEASUREMENTS.parent.mkdir(parents=True, exist_ok=True)
    MEASUREMENTS.write_text(text)  # `make hub-bench` copies it to benchmarks/hub.md
    return MEASUREMENTS


# --- one uid for every server, as on Kubernetes, with the ngshare exchange --------------------------------------

_ONE_UID_CONFIG = """
import os
from jupyterhub.spawner import SimpleLocalProcessSpawner, set_user_setuid


class OneUidSpawner(SimpleLocalProcessSpawner):
    # Every server runs as the one system user {shared!r}, in its own home folder: on Kubernetes every pod runs
    # as uid 1000 with the user's own volume mounted as the home folder.
    def make_preexec_fn(self, name):
        become, home = set_user_setuid({shared!r}, chdir=False), self.home_dir

        def preexec():
            become()
            os.chdir(home)

        return preexec


c.JupyterHub.spawner_class = OneUidSpawner
c.SimpleLocalProcessSpawner.home_dir_template = "{volumes}/{{username}}"
# /etc/jupyter of the image (on Zero to JupyterHub: singleuser.extraFiles in docs/z2jh-values.yaml).
c.Spawner.environment["JUPYTER_CONFIG_PATH"] = {etc!r}
c.JupyterHub.services.append({{
    "name": "ngshare", "url": "http://127.0.0.1:{ngshare_port}", "cwd": "{work}/ngshare",
    "command": [{python!r}, "-m", "ngshare", "--admins", {instructor!r},
                "--database", "sqlite:///{work}/ngshare/ngshare.db", "--storage", "{work}/ngshare/files/"]}})
"""

_NGSHARE_NBGRADER_CONFIG = """from ngshare_exchange import configureExchange

c = get_config()
# On Zero to JupyterHub the URL is found by itself (http://proxy-public/services/ngshare): configureExchange(c).
configureExchange(c, "{url}")
c.CourseDirectory.course_id = "{course}"
"""

# The instructor's own server: the formgrader is an <iframe> of the same server, which JupyterHub 6 forbids by
# default (frame-ancestors 'none'); docs/instructors.md gives this file to the instructor only.
FORMGRADER_SERVER_CONFIG = """c = get_config()
c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
"""

_PROBE_NGSHARE = """
import json, os, requests
url = {url!r}
headers = {{"Authorization": "token " + os.environ["JUPYTERHUB_API_TOKEN"]}}
seen = {{}}
for path in {paths!r}:
    response = requests.get(url + path, headers=headers, timeout=60)
    seen[path] = [response.status_code, response.json().get("success")]
print(json.dumps(seen))
"""

_IMAGE_PROBE = """
import importlib.metadata, json, shutil, subprocess, sys
import course, nbgrader, ngshare_exchange
lab = subprocess.run(["jupyter", "labextension", "list"], capture_output=True, text=True)
server = subprocess.run(["jupyter", "server", "extension", "list"], capture_output=True, text=True)
print(json.dumps({"course": course.__file__, "version": course.__version__,
                  "distribution": importlib.metadata.version("model-collapse-course"),
                  "nbgrader": nbgrader.__version__, "nbgrader_cli": shutil.which("nbgrader"), "prefix": sys.prefix,
                  "lab": lab.stdout + lab.stderr, "server": server.stdout + server.stderr}))
"""


class TestOneUidForEverybody:
    """Every server runs as one uid with its own empty home folder, as on Zero to JupyterHub; nbgrader's exchange
    is ngshare (a JupyterHub service in its own environment, requirements-ngshare.txt) reached through ngshare-exchange (binder/exchange.txt).

    Kubernetes itself is not here: a pod's own filesystem and its volume are stood in for by a home folder per
    user on one machine, readable by the shared uid (so these tests check what goes through the exchange, not
    what a container's walls keep apart).
    """

    STUDENTS = ("s1", "s2", "s3")
    INSTRUCTOR = "grader"

    @pytest.fixture(scope="class")
    def hub(self, pieces):
        env_dir, image = pieces["env"], pieces["image"]
        machine, hub = Machine(), None
        try:
            shared = machine.add_user("u")
            volumes = machine.work / "volumes"
            volumes.mkdir(mode=0o755)
            for user in (self.INSTRUCTOR, *self.STUDENTS):  # empty, as a new persistent volume
                (volumes / user).mkdir(mode=0o700)
                os.chown(volumes / user, machine.uid(shared), pwd.getpwnam(shared).pw_gid)
            (machine.work / "ngshare").mkdir()
            etc = machine.work / "etc-jupyter"
            etc.mkdir(mode=0o755)
            hub = Hub(machine, env_dir, chp=pieces["chp"], users=[self.INSTRUCTOR, *self.STUDENTS],
                      extra_config=_ONE_UID_CONFIG, home=lambda user: volumes / user, shared=shared,
                      volumes=volumes, start=image / "binder" / "start", etc=str(etc),
                      ngshare_port=_free_port(), python=str(_ngshare_env() / "bin" / "python"),
                      instructor=self.INSTRUCTOR)
            hub.shared, hub.volumes = shared, volumes
            hub.ngshare = f"{hub.url}/services/ngshare"
            (etc / "nbgrader_config.py").write_text(_NGSHARE_NBGRADER_CONFIG.format(url=hub.ngshare, course=COURSE_ID))
            yield hub
        finally:
            if hub is not None:
                hub.stop()
            machine.cleanup()

    def _start(self, hub, *users):
        for user in users:
            if not hub.api("GET", f"/hub/api/users/{user}").json().get("servers"):
                hub.spawn(user)
        for user in users:
            hub.wait_ready(user)

    def _write(self, hub, path, nb):
        nbformat.write(nb, path)
        os.chown(path, hub.machine.uid(hub.shared), pwd.getpwnam(hub.shared).pw_gid)

    def test_an_empty_home_volume_gets_the_course_from_the_image(self, hub, pieces):
        started = time.perf_counter()
        student = self.STUDENTS[0]
        home = hub.volumes / student
        assert not any(home.iterdir())
        self._start(hub, student)
        spawned = time.perf_counter() - started
        server = [p for p in hub.machine.processes(hub.shared) if "jupyterhub-singleuser" in " ".join(p.cmdline())]
        assert server, f"no server runs as the shared user {hub.shared}"

        # The notebooks arrived, exactly the image's (the repository's notebooks/).
        delivered = sorted(p.relative_to(home / "notebooks") for p in (home / "notebooks").rglob("*") if p.is_file())
        shipped = sorted(p.relative_to(pieces["image"] / "notebooks")
                         for p in (pieces["image"] / "notebooks").rglob("*") if p.is_file())
        assert delivered == shipped and any(p.name == NOTEBOOK.name for p in delivered)
        for name in shipped:
            assert (home / "notebooks" / name).read_bytes() == (ROOT / "notebooks" / name).read_bytes(), name
        assert not (home / "course").exists() and not (home / "solutions").exists()

        # The image's environment alone: the course installed as a package, nbgrader and its student extensions.
        found = json.loads(run_code(hub, student, _IMAGE_PROBE).strip().splitlines()[-1])
        import course

        assert found["version"] == found["distribution"] == course.__version__
        course_file = Path(found["course"]).resolve()
        assert course_file.is_relative_to((pieces["env"]).resolve()) and "site-packages" in course_file.parts
        assert course_file.parent != (ROOT / "course").resolve() and not course_file.is_relative_to(home.resolve())
        assert found["nbgrader"] == grading.NBGRADER_VERSION and found["nbgrader_cli"]
        assert re.search(r"nbgrader[^\n]*enabled", found["lab"]), found["lab"]
        assert re.search(r"nbgrader\.server_extensions\.assignment_list[^\n]*enabled", found["server"]), found["server"]
        listing = hub.api("GET", f"/user/{student}/assignments", params={"course_id": COURSE_ID})
        assert listing.status_code == 200 and "success" in listing.json(), listing.text  # the Assignment List's API

        # A notebook runs from the delivered copy, through the hub, with no error.
        ran, seconds = run_through_hub(hub, student, f"notebooks/{NOTEBOOK.name}")
        assert not _errors(ran) and any("not attempted yet" in text for text in _text(ran))

        # The learner's work survives a restart; a notebook they deleted comes back fresh; nothing else is added.
        mine = nbformat.read(home / "notebooks" / NOTEBOOK.name, 4)
        mine.cells.insert(0, nbformat.v4.new_markdown_cell("my notes"))
        self._write(hub, home / "notebooks" / NOTEBOOK.name, mine)
        deleted = home / "notebooks" / shipped[-1]
        deleted.unlink()
        hub.stop_server(student)
        self._start(hub, student)
        assert nbformat.read(home / "notebooks" / NOTEBOOK.name, 4).cells[0].source == "my notes"
        assert deleted.read_bytes() == (ROOT / "notebooks" / shipped[-1]).read_bytes()
        print(f"\nempty home volume: spawn {spawned:.0f} s, notebook 00 through the hub {seconds:.0f} s, "
              f"whole test {time.perf_counter() - started:.0f} s")

    def test_ngshare_takes_an_assignment_from_release_to_feedback(self, hub, pieces):
        started = time.perf_counter()
        instructor, students = self.INSTRUCTOR, list(self.STUDENTS)
        first, second, third = students
        env_dir = pieces["env"]
        course_dir = hub.volumes / instructor / "course"
        seed = 20261207
        lab.make_lab(course_dir, [NOTEBOOK], assignment=ASSIGNMENT, graded=True, seed=seed,
                         kernel_python=env_dir / "bin" / "python")
        (hub.volumes / instructor / ".jupyter").mkdir(exist_ok=True)
        (hub.volumes / instructor / ".jupyter" / "jupyter_server_config.py").write_text(FORMGRADER_SERVER_CONFIG)
        (hub.volumes / instructor / ".jupyter" / "nbgrader_config.py").write_text(
            f'c = get_config()\nc.CourseDirectory.root = "{course_dir}"\n')
        subprocess.run(["chown", "-R", f"{hub.shared}:{hub.shared}", str(hub.volumes / instructor)], check=True)
        self._start(hub, instructor, *students)

        def instructor_runs(*commands):
            code = ("import json, subprocess\nout = []\n"
                    f"for command in {[list(c) for c in commands]!r}:\n"
                    f"    result = subprocess.run(command, cwd={str(course_dir)!r}, capture_output=True, text=True)\n"
                    "    out.append([command, result.returncode, result.stdout[-3000:], result.stderr[-3000:]])\n"
                    "print(json.dumps(out))")
            for command, rc, out, err in json.loads(run_code(hub, instructor, code).strip().splitlines()[-1]):
                assert rc == 0 and "[ERROR]" not in out + err, f"{command}: {out}\n{err}"

        def assignment_list(user, action, **data):
            """What the student's Assignment List sends to their server (nbgrader's server extension)."""
            response = hub.api("POST", f"/user/{user}/assignments/{action}",
                               data={"course_id": COURSE_ID, "assignment_id": ASSIGNMENT, **data})
            assert response.status_code == 200 and response.json().get("success"), f"{user} {action}: {response.text}"
            return response.json()

        # The course on ngshare (the instructor is ngshare's admin: --admins), then release and fetch.
        step = time.perf_counter()
        instructor_runs(["ngshare-course-management", "create_course", COURSE_ID, instructor],
                        *[["ngshare-course-management", "add_student", COURSE_ID, s, "--no-gb"] for s in students],
                        ["nbgrader", "generate_assignment", ASSIGNMENT],
                        ["nbgrader", "release_assignment", ASSIGNMENT])
        for user in students:
            assignment_list(user, "fetch")
        fetched = {user: hub.volumes / user / ASSIGNMENT / NOTEBOOK.name for user in students}
        assert all(path.exists() for path in fetched.values()), f"{fetched}\n{hub.tail()}"
        released = fetched[first].read_text()
        assert str(seed) not in released and "graded_test" not in released
        release_seconds = time.perf_counter() - step

        # Answers, run through the hub: untouched first, then right / one wrong exercise / untouched.
        step = time.perf_counter()
        right = _answer(nbformat.read(fetched[first], 4), "fraction_lost",
                        "def fraction_lost(p_before, p_after):\n    alive = p_before > 0\n"
                        "    return np.mean(p_after[alive] == 0)")
        right = _answer(right, "survivors_after_50", f"def survivors_after_50():\n    return {_reading()!r}")
        wrong = _answer(copy_nb(right), "fraction_lost",
                        "def fraction_lost(p_before, p_after):\n    return np.mean(p_after == 0)")
        assignment_list(first, "submit")  # the untouched release; the later submission must count
        time.sleep(1.1)  # submissions are told apart by a time stamp with one-second steps
        for user, nb in ((first, right), (second, wrong)):
            self._write(hub, fetched[user], nb)
        for user in students:
            ran, _ = run_through_hub(hub, user, f"{ASSIGNMENT}/{NOTEBOOK.name}")
            self._write(hub, fetched[user], ran)
            assignment_list(user, "submit")
        submit_seconds = time.perf_counter() - step

        # Through the exchange, a student sees their own submission and nobody else's.
        paths = [f"/submissions/{COURSE_ID}/{ASSIGNMENT}/{second}", f"/submissions/{COURSE_ID}/{ASSIGNMENT}",
                 f"/submissions/{COURSE_ID}/{ASSIGNMENT}/{first}", f"/submission/{COURSE_ID}/{ASSIGNMENT}/{first}",
                 f"/submission/{COURSE_ID}/{ASSIGNMENT}/{second}", f"/students/{COURSE_ID}"]
        seen = json.loads(run_code(hub, second, _PROBE_NGSHARE.format(url=hub.ngshare, paths=paths)).splitlines()[-1])
        assert seen[paths[0]] == [200, True], seen  # their own list of submissions
        for path in paths[1:]:
            assert seen[path][1] is False and seen[path][0] in (403, 404), (path, seen)

        # Collect, autograde, feedback: the instructor's commands, in a terminal of their server.
        step = time.perf_counter()
        instructor_runs(*[["nbgrader", command, ASSIGNMENT]
                          for command in ("collect", "autograde", "generate_feedback", "release_feedback")])
        grades = run_code(hub, instructor, (
            "import json\nfrom nbgrader.api import Gradebook\n"
            f"with Gradebook('sqlite:///{course_dir}/gradebook.db') as gb:\n"
            f"    print(json.dumps({{s: gb.find_submission('{ASSIGNMENT}', s).score for s in {students!r}}}))"),
            folder="course")
        assert json.loads(grades.strip().splitlines()[-1]) == {first: 3.0, second: 1.0, third: 0.0}
        for user, score in ((first, 3), (second, 1), (third, 0)):
            assignment_list(user, "fetch_feedback")
            pages = list((hub.volumes / user / ASSIGNMENT / "feedback").glob(f"*/{NOTEBOOK.stem}.html"))
            assert len(pages) == 1, (user, pages)
            assert f"(Score: {score:.1f} / 3.0)" in pages[0].read_text(), user  # the notebook's total
        grade_seconds = time.perf_counter() - step
        import psutil

        service = [p for p in psutil.process_iter(["cmdline"]) if "ngshare" in " ".join(p.info["cmdline"] or [])
                   and str(hub.machine.work) in " ".join(p.info["cmdline"] or [])]
        assert service, "the ngshare service is not running"
        rss_mb = sum(p.memory_info().rss for p in service) / 2**20
        stored = sum(f.stat().st_size for f in (hub.machine.work / "ngshare").rglob("*") if f.is_file())
        measured = {"ngshare resident MB": round(rss_mb), "ngshare database and files KB": round(stored / 1024),
                    "release and fetch s": round(release_seconds), "answers and submissions s": round(submit_seconds),
                    "collect, autograde, feedback s": round(grade_seconds)}
        (HUB_DIR / "one-uid.json").write_text(json.dumps(measured, indent=1) + "\n")

        # The formgrader of the instructor's server may be framed by JupyterLab (its own origin); students' servers
        # keep JupyterHub's default, which forbids any framing.
        formgrader = hub.api("GET", f"/user/{instructor}/formgrader")
        assert formgrader.status_code == 200, formgrader.text[-2000:]
        assert formgrader.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
        lab_page = hub.api("GET", f"/user/{first}/lab")
        assert lab_page.status_code == 200 and "frame-ancestors 'none'" in lab_page.headers["Content-Security-Policy"]
        print(f"\nngshare: {measured}, whole test {time.perf_counter() - started:.0f} s")
