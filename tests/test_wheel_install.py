"""specforge as another team gets it: the wheel in a fresh venv, pointed at a spec of its own.

The wheel is built from a copy of the sources (nothing is written into the checkout), installed
into one fresh venv outside the checkout (first without extras, then with `conformance`), and
run in a new git repository holding only `tests/fixtures/acme-projects.yaml` (OpenAPI 3.1,
apiKey header auth, patterns, multipart, cursor pagination): init, generate, check, lint, diff,
mock, conform, `pip install ./acme_projects` as the generated README says, check again, gate,
and the reusable workflow's gate script. pip may use the network (and its cache); when no
package index can be reached the module is skipped, saying so. About a minute (1.5 with a cold
pip cache) on 2 cores.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml

from tests.signals import interruptible

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "acme-projects.yaml"
WORKFLOW = ROOT / ".github" / "workflows" / "specforge-gate.yml"
ACTION = ROOT / "action.yml"
# What the wheel is built from (see [tool.setuptools] in pyproject.toml).
SOURCES = ("pyproject.toml", "README.md", "specforge", "generator", "conformance", "templates")
# pip's words for "no index could be reached" (then the module is skipped, not failed).
OFFLINE = re.compile(
    r"Failed to establish a new connection|Temporary failure in name resolution|"
    r"Name or service not known|Network is unreachable|NewConnectionError|ConnectTimeout|"
    r"Max retries exceeded|No matching distribution found|from versions: none"
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@dataclass
class Venv:
    """The fresh venv with the wheel installed, and how each step went."""

    root: Path
    wheel: Path
    figures: dict[str, float] = field(default_factory=dict)
    without_extra: subprocess.CompletedProcess[str] | None = None

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def env(self) -> dict[str, str]:
        """The environment of a shell in which this venv is active (and nothing of ours)."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
            and not key.startswith(("SPECFORGE_", "ACME_PROJECTS_"))
        }
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.root)
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        return env

    def run(
        self, *args: str | Path, cwd: Path, timeout: float = 300, **extra: Any
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(arg) for arg in args],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **extra,
        )

    def pip_install(self, *requirements: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        done = self.run(
            self.python,
            *("-m", "pip", "install", "--timeout", "30", "--retries", "2"),
            *requirements,
            cwd=cwd,
            timeout=600,
        )
        if done.returncode != 0 and OFFLINE.search(done.stdout + done.stderr):
            pytest.skip(f"no package index reachable for pip: {_offline_line(done)}")
        assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
        self.figures[f"pip install {' '.join(map(str, requirements))}"] = time.monotonic() - started
        return done


def _offline_line(done: subprocess.CompletedProcess[str]) -> str:
    """The line of pip's output that says no index was reached."""
    lines = (done.stdout + done.stderr).splitlines()
    return next(line.strip() for line in lines if OFFLINE.search(line))


def _copy_sources(target: Path) -> None:
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source,
                target / name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"),
            )
        else:
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    """The wheel built from a copy of the sources, in one fresh venv, with the extra."""
    base = tmp_path_factory.mktemp("wheel")
    assert not base.resolve().is_relative_to(ROOT)
    sources, dist = base / "sources", base / "dist"
    sources.mkdir()
    _copy_sources(sources)
    started = time.monotonic()
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), str(sources)],
        cwd=base,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if built.returncode != 0 and OFFLINE.search(built.stdout + built.stderr):
        pytest.skip(f"no package index reachable for the build backend: {_offline_line(built)}")
    assert built.returncode == 0, (built.stdout + built.stderr)[-4000:]
    (wheel,) = dist.glob("specforge-*.whl")
    env = Venv(root=base / "venv", wheel=wheel)
    env.figures["pip wheel"] = time.monotonic() - started
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(env.root)], check=True, timeout=120)
    env.figures["venv"] = time.monotonic() - started
    env.pip_install(wheel, cwd=base)
    # Without the extra, the mock says what to install instead of failing on an import.
    env.without_extra = env.run("specforge", "mock", "--spec", FIXTURE, cwd=base, timeout=60)
    env.pip_install(f"{wheel}[conformance]", cwd=base)
    yield env
    print(
        "\nwheel install figures (s): " + ", ".join(f"{k} {v:.1f}" for k, v in env.figures.items())
    )
    shutil.rmtree(env.root, ignore_errors=True)  # a few hundred MB; pytest keeps its last runs


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [
            *("git", "-c", "user.name=Acme Dev", "-c", "user.email=dev@acme.example"),
            *("-c", "commit.gpgsign=false", *args),
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@dataclass
class Project:
    """A fresh git repository with the Acme spec, after `specforge init` and `generate`."""

    root: Path
    init: subprocess.CompletedProcess[str]
    generate: subprocess.CompletedProcess[str]

    @property
    def package(self) -> Path:
        return self.root / "acme_projects"


@pytest.fixture(scope="module")
def project(venv: Venv, tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("acme-repo")
    git(root, "init", "-q", "-b", "main")
    shutil.copy2(FIXTURE, root / "openapi.yaml")
    (root / ".gitignore").write_text("build/\n*.egg-info/\nreports/\n", encoding="utf-8")
    init = venv.run("specforge", "init", "--spec", "openapi.yaml", cwd=root)
    generate = venv.run("specforge", "generate", cwd=root)
    return Project(root, init, generate)


# -- the wheel ---------------------------------------------------------------------------------------
def test_the_wheel_carries_templates_runtime_and_suite(venv: Venv) -> None:
    names = set(zipfile.ZipFile(venv.wheel).namelist())
    assert {
        "specforge/templates/package/README.md.jinja",
        "specforge/generator/runtime/_runtime.py",
        "specforge/generator/py.typed",
        "specforge/conformance/suite/conftest.py",
        "specforge/cli/init.py",
        "specforge/cli/gate.py",
    } <= names
    assert not any(name.startswith(("tests/", "generated/", "spec/")) for name in names)
    for folder, mapped in (("specforge", "specforge"), ("generator", "specforge/generator")):
        for init in (ROOT / folder).rglob("__init__.py"):  # every package of the checkout
            relative = init.relative_to(ROOT / folder).as_posix()
            if "__pycache__" not in relative and not relative.startswith(
                ("generator/", "conformance/")
            ):
                assert f"{mapped}/{relative}" in names, f"{mapped}/{relative} is not in the wheel"
    for init in (ROOT / "conformance").rglob("__init__.py"):
        assert f"specforge/conformance/{init.relative_to(ROOT / 'conformance').as_posix()}" in names


def test_the_venv_runs_the_wheel_not_the_checkout(venv: Venv, project: Project) -> None:
    done = venv.run("python", "-c", "import specforge; print(specforge.__file__)", cwd=project.root)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(venv.root)


def test_mock_without_the_conformance_extra_names_it(venv: Venv) -> None:
    done = venv.without_extra
    assert done is not None
    assert done.returncode == 2, done.stderr
    assert "pip install 'specforge[conformance]'" in done.stderr
    assert "Traceback" not in done.stderr


# -- the flow of the README's "Use it in your own repo" ----------------------------------------------
def test_init_writes_names_from_the_spec(project: Project) -> None:
    assert project.init.returncode == 0, project.init.stderr
    table = tomllib.loads((project.root / "pyproject.toml").read_text(encoding="utf-8"))
    assert table["tool"]["specforge"] == {
        "spec": "openapi.yaml",
        "package": "acme_projects",
        "output": "acme_projects",
        "sdk_name": "Acme Projects",
        "api_key_env": "ACME_PROJECTS_API_KEY",
        "base_url_env": "ACME_PROJECTS_BASE_URL",
    }
    assert "specforge generate" in project.init.stdout
    assert "pip install ./acme_projects" in project.init.stdout


def test_generate_uses_the_names_of_that_spec(project: Project) -> None:
    assert project.generate.returncode == 0, project.generate.stderr
    readme = (project.package / "README.md").read_text(encoding="utf-8")
    assert "pip install ./acme_projects" in readme
    assert "export ACME_PROJECTS_API_KEY=..." in readme
    assert "from acme_projects import Client" in readme
    settings = (project.package / "src" / "acme_projects" / "_config.py").read_text()
    assert "API_KEY_ENV = 'ACME_PROJECTS_API_KEY'" in settings.replace('"', "'")
    assert "BASE_URL_ENV = 'ACME_PROJECTS_BASE_URL'" in settings.replace('"', "'")
    text = "".join(path.read_text() for path in project.package.rglob("*.py"))
    assert "together" not in text.lower() and "TOGETHER" not in readme


def test_check_finds_no_drift(venv: Venv, project: Project) -> None:
    done = venv.run("specforge", "check", cwd=project.root)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "is up to date" in done.stdout


def test_check_names_the_generate_command_on_drift(venv: Venv, project: Project) -> None:
    changed = project.root / "changed.yaml"
    changed.write_text(
        FIXTURE.read_text().replace("Projects and their assets", "Projects and assets"),
        encoding="utf-8",
    )
    try:
        done = venv.run("specforge", "check", "--spec", "changed.yaml", cwd=project.root)
    finally:
        changed.unlink()
    assert done.returncode == 1
    assert "run 'specforge generate --spec changed.yaml' and commit" in done.stderr


def test_lint_passes_with_warnings(venv: Venv, project: Project) -> None:
    done = venv.run("specforge", "lint", cwd=project.root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("0 error(s), 2 warning(s)")


def test_diff_against_a_modified_copy(venv: Venv, project: Project) -> None:
    document = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    document["components"]["schemas"]["ProjectCreate"]["required"].append("visibility")
    modified = project.root.parent / "acme-modified.yaml"
    modified.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    done = venv.run("specforge", "diff", "openapi.yaml", modified, cwd=project.root)
    assert done.returncode == 1, done.stderr  # exit 1: a breaking change (--fail-on breaking)
    assert "[property-required]" in done.stdout and "visibility" in done.stdout
    assert "Suggested SDK version bump: major" in done.stdout
    done = venv.run(
        "specforge", "diff", "openapi.yaml", modified, "--fail-on", "none", cwd=project.root
    )
    assert done.returncode == 0, done.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_mock_serves_a_real_request(venv: Venv, project: Project) -> None:
    port = _free_port()
    server = subprocess.Popen(
        ["specforge", "mock", "--port", str(port), "--api-key", "acme-test-key"],
        cwd=project.root,
        env=venv.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the mock did not start listening"
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/v1/projects?limit=2"
        request = urllib.request.Request(url, headers={"X-Acme-Key": "acme-test-key"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
            assert answer.headers["content-type"].startswith("application/json")
            body = answer.read()
        assert b'"data"' in body and b'"has_more"' in body
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)  # no key: the spec's security applies
        assert refused.value.code == 401
    finally:
        server.send_signal(signal.SIGINT)
        try:
            code = server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
        out, err = server.communicate()
    assert code == 130, err  # interrupted: 130, as for every command
    assert "Traceback" not in err
    assert f"on http://127.0.0.1:{port}" in out


def test_conform_against_the_embedded_mock(venv: Venv, project: Project) -> None:
    report = project.root / "reports" / "conformance.md"
    done = venv.run("specforge", "conform", "--report", report, cwd=project.root)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr
    assert "Traceback" not in done.stderr
    assert "6 operation(s)" in done.stdout and report.is_file()


def test_installed_sdk_imports_and_leaves_no_drift(venv: Venv, project: Project) -> None:
    venv.pip_install("./acme_projects", cwd=project.root)
    probe = (
        "import acme_projects\n"
        "try:\n"
        "    acme_projects.Client()\n"
        "except acme_projects.MissingAPIKeyError as error:\n"
        "    print(error)\n"
        "client = acme_projects.Client(api_key='k', base_url='http://127.0.0.1:9')\n"
        "print(acme_projects.__file__, type(client.projects).__name__)\n"
    )
    done = venv.run("python", "-c", probe, cwd=project.root.parent)
    assert done.returncode == 0, done.stderr
    assert "ACME_PROJECTS_API_KEY" in done.stdout
    assert str(venv.root) in done.stdout
    # pip may build in the tree; whatever it leaves there is not the generator's.
    (project.package / "build" / "lib" / "acme_projects").mkdir(parents=True, exist_ok=True)
    (project.package / "build" / "lib" / "acme_projects" / "models.py").write_text("x = 1\n")
    done = venv.run("specforge", "check", cwd=project.root)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr


def _gate_steps(output: str) -> dict[str, str]:
    rows = re.findall(r"^(validate|lint|diff|drift|conform)\s+(pass|fail|skip)\s", output, re.M)
    return dict(rows)


def test_gate_after_a_harmless_change(venv: Venv, project: Project) -> None:
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "Acme Projects API spec and its SDK")
    (project.root / "NOTES.md").write_text("Release notes.\n", encoding="utf-8")
    git(project.root, "add", "NOTES.md")
    git(project.root, "commit", "-q", "-m", "Notes")
    done = venv.run("specforge", "gate", "--base", "HEAD~1", cwd=project.root)
    steps = _gate_steps(done.stdout)
    assert set(steps) == {"validate", "lint", "diff", "drift", "conform"}, done.stdout + done.stderr
    assert all(steps[name] == "pass" for name in ("validate", "lint", "diff", "drift")), done.stdout
    assert steps["conform"] == "pass", done.stdout
    assert done.returncode == 0, done.stdout + done.stderr
    assert "spec gate: passed" in done.stdout
    assert (project.root / "reports" / "spec-diff.md").is_file()


def _workflow_script(path: Path, name: str) -> str:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = data["jobs"]["gate"]["steps"] if "jobs" in data else data["runs"]["steps"]
    return str(next(step["run"] for step in steps if step.get("name") == name))


def test_the_reusable_workflows_gate_script_runs(venv: Venv, project: Project) -> None:
    """The workflow's own shell script, as Actions would run it (bash -e), on this repository."""
    script = _workflow_script(WORKFLOW, "Run the spec gate")
    env = {**venv.env(), "SPEC": "openapi.yaml", "BASE": "", "SKIP": "conform"}
    env.pop("GITHUB_BASE_REF", None)  # not a pull request: the base is HEAD~1
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "spec gate (base HEAD~1)" in done.stdout
    assert _gate_steps(done.stdout)["conform"] == "skip"


# -- the reusable workflow and the action call only commands that exist --------------------------------
def _commands() -> set[str]:
    done = subprocess.run(
        [sys.executable, "-m", "specforge", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    # The sub-commands are the lines "    NAME  help" under "COMMAND".
    listed = set(re.findall(r"^    ([a-z][a-z-]*)  ", done.stdout, re.M))
    assert {"generate", "check"} <= listed, done.stdout
    return listed


@pytest.mark.parametrize("path", [WORKFLOW, ACTION], ids=["workflow", "action"])
def test_workflow_runs_only_specforge_commands_that_exist(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if path == WORKFLOW:
        triggers = data["on"] if "on" in data else data[True]  # YAML 1.1 reads `on` as True
        inputs = triggers["workflow_call"]["inputs"]
        steps = data["jobs"]["gate"]["steps"]
        assert steps[0]["uses"].startswith("actions/checkout@")
        assert steps[0]["with"]["fetch-depth"] == 0
    else:
        assert data["runs"]["using"] == "composite"
        inputs = data["inputs"]
        steps = data["runs"]["steps"]
    assert {"spec", "python-version", "base-ref", "specforge"} <= set(inputs)
    scripts = [str(step["run"]) for step in steps if "run" in step]
    called = {
        match
        for script in scripts
        for match in re.findall(r"(?:^|[\s;&|(])specforge\s+([a-z][a-z-]*)", script)
    }
    assert called == {"gate"}, called
    assert called <= _commands()
    for script in scripts:  # inputs reach the shell as variables, never spliced into the script
        assert "${{" not in script, script
