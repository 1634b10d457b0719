"""The hub recipes of docs/instructors.md are the ones tests/test_hub.py runs, and docs/z2jh-values.yaml is
valid for the Zero to JupyterHub chart (its values schema, chart 4.4.0, vendored in tests/data/).

Fast, no root: tests/test_hub.py runs the recipes; this file checks that the documents say the same."""

import copy
import json
import re

import jsonschema
import pytest
import yaml

import course

from . import test_hub
from .conftest import ROOT

DOC = (ROOT / "docs" / "instructors.md").read_text()
VALUES = ROOT / "docs" / "z2jh-values.yaml"
SCHEMA = ROOT / "tests" / "data" / "z2jh-values.schema.yaml"


def _without_required(schema):
    """The chart's schema less the ``required`` lists of its objects: Helm checks the user's values merged over
    the chart's defaults, which supply every required key; a values file alone is checked for everything else
    (names, types, no unknown keys: the schema forbids unknown keys almost everywhere). A ``required`` that
    chooses between alternatives (``oneOf`` branches without ``properties``, e.g. an extra file's
    ``data`` / ``stringData`` / ``binaryData``) stays."""
    if isinstance(schema, dict):
        return {key: _without_required(value) for key, value in schema.items()
                if not (key == "required" and "properties" in schema)}
    if isinstance(schema, list):
        return [_without_required(value) for value in schema]
    return schema


@pytest.fixture(scope="module")
def validator():
    schema = _without_required(yaml.safe_load(SCHEMA.read_text()))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _values():
    return yaml.safe_load(VALUES.read_text())


def test_the_values_file_is_valid_for_the_chart(validator):
    errors = sorted(validator.iter_errors(_values()), key=str)
    assert not errors, "\n".join(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


@pytest.mark.parametrize("mistake", ["singleuser.memory.limt", "singleuser.cpu.limit", "cull.timeout",
                                     "singleuser.extraFiles.nbgrader-config.mountpath", "singleuser.homeFolder"])
def test_the_schema_catches_a_misspelt_or_mistyped_key(validator, mistake):
    """The check above can fail: a misspelt key or a wrong type in the same file is an error."""
    values, *path, last = [copy.deepcopy(_values()), *mistake.split(".")]
    node = values
    for key in path:
        node = node[key]
    if last in node:
        node[last] = "one hour"  # a string where the chart wants a number
    else:
        node[last] = 1
    assert list(validator.iter_errors(values)), mistake


def test_the_values_match_the_measurements_and_the_tests():
    values = _values()
    single = values["singleuser"]
    # the image's version is the course's; its nbgrader configuration is the one the one-uid hub test uses
    assert single["image"]["tag"] == f"v{course.__version__}"
    config = single["extraFiles"]["nbgrader-config"]["stringData"]
    tested = test_hub._NGSHARE_NBGRADER_CONFIG.format(url="URL", course=test_hub.COURSE_ID)
    assert [line for line in config.splitlines() if not line.startswith("configureExchange")] == \
        [line for line in tested.splitlines() if line and not line.startswith(("configureExchange", "#"))]
    assert single["extraFiles"]["nbgrader-config"]["mountPath"] == "/etc/jupyter/nbgrader_config.py"
    assert single["defaultUrl"] == f"/lab/tree/notebooks/{test_hub.NOTEBOOK.name}"
    # the limit holds a server and two kernels of the heaviest notebook; the guarantee a server and a numpy kernel
    server_mb = 180
    heaviest_kernel_mb = max(row["peak_mb"] for row in json.loads(
        (ROOT / "benchmarks" / "latest.json").read_text())["notebooks"])  # make bench's measurement
    limit_mb = int(single["memory"]["limit"].rstrip("M"))
    assert limit_mb >= server_mb + 2 * heaviest_kernel_mb
    assert int(single["memory"]["guarantee"].rstrip("M")) >= _hub_peak_mb()
    assert "ngshare" in values["hub"]["services"]


def _hub_peak_mb():
    """benchmarks/hub.md's measured peak of one student's server and kernel on notebook 00 (MB)."""
    text = (ROOT / "benchmarks" / "hub.md").read_text()
    return int(re.search(r"One student alone: \*\*[\d.]+ s\*\*, peak \*\*(\d+) MB\*\*", text)[1])


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


def test_the_documents_quote_the_hub_measurement():
    assert f"peaked at {_hub_peak_mb()} MB" in DOC


def test_the_formgrader_setting_is_the_one_the_hub_test_checks():
    assert test_hub.FORMGRADER_SERVER_CONFIG in _blocks("python")


def test_the_ngshare_configuration_is_the_same_in_the_guide_and_the_values_file():
    config = _values()["singleuser"]["extraFiles"]["nbgrader-config"]["stringData"]
    assert config in _blocks("python")


def test_the_image_recipe_makes_its_folder_first_and_keeps_the_repository_out_of_the_home_folder():
    recipe = next(block for block in _blocks("bash") if "repo2docker" in block)
    lines = recipe.splitlines()
    made = next(i for i, line in enumerate(lines) if line.startswith("mkdir -p /tmp/mc-image"))
    unpacked = next(i for i, line in enumerate(lines) if "tar -x -C /tmp/mc-image" in line)
    assert made < unpacked and "rm -rf /tmp/mc-image/solutions" in lines[unpacked]
    assert "--target-repo-dir /srv/repo" in recipe and f"model-collapse:v{course.__version__}" in recipe


def test_the_tljh_recipe_is_the_image_recipe_with_the_cpu_torch():
    recipe = next(block for block in _blocks("bash") if "/opt/tljh/user" in block)
    assert "pip install -r binder/requirements.txt --extra-index-url https://download.pytorch.org/whl/cpu" in recipe
    assert "bash binder/postBuild" in recipe and "rm -rf /root/mc" in recipe
    # the start hook is the servers' command, as in the hub test's configuration
    assert 'c.Spawner.cmd = ["/opt/model-collapse-course/start", "jupyterhub-singleuser"]' in recipe
    assert "c.Spawner.cmd = [{start!r}, {singleuser!r}]" in test_hub._HUB_CONFIG


def test_the_pins_the_guide_names_are_the_pinned_ones():
    assert "ngshare==0.6.0" in (ROOT / "requirements-ngshare.txt").read_text().splitlines()
    assert "ngshare-exchange==0.5.3" in (ROOT / "binder" / "exchange.txt").read_text().splitlines()
    assert "`ngshare==0.6.0` in `requirements-ngshare.txt`, `ngshare-exchange==0.5.3` in `binder/exchange.txt`" in \
        " ".join(DOC.split())


def test_the_guide_names_this_version():
    for version in re.findall(r"model_collapse_course-(\d+\.\d+\.\d+)-py3", DOC):
        assert version == course.__version__
    assert f"The course version is [{course.__version__}]" in DOC


def instructor_menus_recipe():
    """The guide's page_config.json that hides nbgrader's instructor menus, and its command that shows them again."""
    page_config = next(block for block in _blocks("json") if "@jupyter/nbgrader:formgrader" in block)
    enable = next(block for block in _blocks("bash") if "labextension enable --level=user" in block)
    return page_config, enable


def test_the_values_file_mounts_the_guides_instructor_menus_file():
    page_config, _ = instructor_menus_recipe()
    menus = _values()["singleuser"]["extraFiles"]["nbgrader-instructor-menus"]
    assert menus["mountPath"] == "/etc/jupyter/labconfig/page_config.json"
    assert menus["stringData"] == page_config
