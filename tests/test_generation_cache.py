"""The generation cache: the bytes written are the same with it, without it, cold and warm; a
changed spec misses only what it changes; concurrent runs, corrupt entries and other versions
are safe. No timing is asserted here (speed is measured by `make bench`)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from specforge.cli import main
from specforge.config import Config
from specforge.generator import cache as caching
from specforge.generator import pipeline

ROOT = Path(__file__).resolve().parents[1]
VIDEO_SPEC = ROOT / "spec" / "together-videos.yaml"
ACME_SPEC = ROOT / "tests" / "fixtures" / "acme-projects.yaml"
SPECS = {"video": VIDEO_SPEC, "acme": ACME_SPEC}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No pyproject.toml above the current folder, and no cache folder from the environment."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv(caching.ENV_DIR, raising=False)
    monkeypatch.delenv(caching.ENV_MAX_MB, raising=False)


def tree(root: Path) -> dict[str, bytes]:
    """Every file below `root`, by relative path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def entries(cache: Path) -> dict[str, set[str]]:
    """The entry files of a cache folder, by kind."""
    found: dict[str, set[str]] = {kind: set() for kind in caching.KINDS}
    for kind in caching.KINDS:
        for path in (cache / caching.LAYOUT / kind).glob("*/*"):
            found[kind].add(path.name)
    return found


def generate(spec: Path, output: Path, *flags: str | Path) -> None:
    argv = ["generate", "--spec", str(spec), "--output", str(output), *map(str, flags)]
    assert main(argv) == 0


class Calls:
    """How often each expensive stage ran, and which files ruff was given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from specforge.document import validate
        from specforge.generator import models

        monkeypatch.setenv(pipeline.SERIAL_ENV, "1")  # the model generator runs in this process
        self.validated = 0
        self.models = 0
        self.formatted: list[list[str] | None] = []
        real_findings, real_models, real_format = (
            validate.find_findings,
            models.generate_models,
            pipeline.format_tree,
        )

        def find_findings(*args: Any, **kwargs: Any) -> Any:
            self.validated += 1
            return real_findings(*args, **kwargs)

        def generate_models(*args: Any, **kwargs: Any) -> Any:
            self.models += 1
            return real_models(*args, **kwargs)

        def format_tree(root: Path, paths: Any = None) -> None:
            self.formatted.append(None if paths is None else sorted(paths))
            real_format(root, paths)

        monkeypatch.setattr(validate, "find_findings", find_findings)
        monkeypatch.setattr(models, "generate_models", generate_models)
        monkeypatch.setattr(pipeline, "format_tree", format_tree)

    @property
    def ran(self) -> tuple[int, int, int]:
        return self.validated, self.models, len(self.formatted)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_cold_warm_and_uncached_runs_write_the_same_bytes(name: str, tmp_path: Path) -> None:
    spec, cache = SPECS[name], tmp_path / "cache"
    generate(spec, tmp_path / "cold" / "pkg", "--cache-dir", cache)
    stored = entries(cache)
    # (compiled templates are kept by the first render of a process only)
    assert all(stored[kind] for kind in caching.KINDS if kind != "templates"), stored
    generate(spec, tmp_path / "warm" / "pkg", "--cache-dir", cache)
    assert entries(cache) == stored  # all from the cache: nothing new written
    generate(spec, tmp_path / "none" / "pkg", "--no-cache")
    cold, warm, none = (tree(tmp_path / run / "pkg") for run in ("cold", "warm", "none"))
    assert cold == warm == none
    # The library's `generate` uses the stage entries (not the package's) and writes the same.
    config = Config(spec=spec, output=tmp_path / "api" / "pkg", cache_dir=cache)
    pipeline.generate(config)
    assert tree(tmp_path / "api" / "pkg") == none


def test_the_committed_package_is_what_a_cached_check_and_generate_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # this repository's [tool.specforge]
    cache = tmp_path / "cache"
    for _ in range(2):  # cold, then from the package entry
        assert main(["check", "--cache-dir", str(cache)]) == 0
    committed = ROOT / "generated" / "together_videos"
    out = tmp_path / "together_videos"
    generate(VIDEO_SPEC, out, "--cache-dir", cache)
    expected = {k: v for k, v in tree(committed).items() if k in tree(out)}
    assert tree(out) == expected


def test_a_changed_schema_misses_only_what_it_touches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, cache = tmp_path / "acme.yaml", tmp_path / "cache"
    text = ACME_SPEC.read_text(encoding="utf-8")
    spec.write_text(text, encoding="utf-8")
    generate(spec, tmp_path / "before" / "pkg", "--cache-dir", cache)
    calls = Calls(monkeypatch)

    # Another output folder: only its README changes; every stage comes from the cache.
    generate(spec, tmp_path / "elsewhere" / "pkg2", "--cache-dir", cache)
    assert calls.ran == (0, 0, 0)

    anchor = "    Project:\n      type: object\n"
    assert anchor in text
    spec.write_text(
        text.replace(anchor, "    Project:\n      description: One project.\n      type: object\n"),
        encoding="utf-8",
    )
    generate(spec, tmp_path / "after" / "pkg", "--cache-dir", cache)
    before, after = tree(tmp_path / "before" / "pkg"), tree(tmp_path / "after" / "pkg")
    shas = [hashlib.sha256(t.encode()).hexdigest().encode() for t in (text, spec.read_text())]
    changed = sorted(  # the files whose code changed (the spec's sha256 aside)
        path
        for path in after
        if path.endswith(".py")
        and after[path].replace(shas[1], b"") != before.get(path, b"").replace(shas[0], b"")
    )
    assert changed, "the description reaches the models"
    assert calls.validated == 1 and calls.models == 1
    assert calls.formatted == [changed]  # ruff sees only the files whose code changed
    generate(spec, tmp_path / "uncached" / "pkg", "--no-cache")
    assert after == tree(tmp_path / "uncached" / "pkg")


def test_two_concurrent_generations_share_one_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(caching.ENV_DIR, None)
    command = [sys.executable, "-m", "specforge", "generate", "--spec", str(VIDEO_SPEC)]
    runs = [
        subprocess.Popen(
            [*command, "--output", str(tmp_path / f"run{index}" / "pkg"), "--cache-dir", cache],
            cwd=tmp_path / "work",
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for index in range(2)
    ]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err.decode()
    first, second = tree(tmp_path / "run0" / "pkg"), tree(tmp_path / "run1" / "pkg")
    assert first == second
    generate(VIDEO_SPEC, tmp_path / "none" / "pkg", "--no-cache")
    assert first == tree(tmp_path / "none" / "pkg")
    assert not [p for p in (cache / caching.LAYOUT).rglob(".tmp-*")]
    assert_entries_whole(cache)


def assert_entries_whole(cache: Path) -> None:
    store = caching.Cache(cache)
    for kind, keys in entries(cache).items():
        for key in keys:
            assert store.get(kind, key) is not None, (kind, key)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit flipped
        lambda data: b"",
    ],
    ids=["truncated", "bit-flip", "empty"],
)
def test_a_corrupt_entry_is_a_miss(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    cache = tmp_path / "cache"
    generate(VIDEO_SPEC, tmp_path / "first" / "pkg", "--cache-dir", cache)
    for path in (cache / caching.LAYOUT).rglob("*"):
        if path.is_file():
            path.write_bytes(damage(path.read_bytes()))
    (cache / caching.LAYOUT / "package" / ".tmp-half-written").write_bytes(b"{")
    generate(VIDEO_SPEC, tmp_path / "second" / "pkg", "--cache-dir", cache)
    assert tree(tmp_path / "first" / "pkg") == tree(tmp_path / "second" / "pkg")
    assert_entries_whole(cache)  # written again


def test_another_version_fingerprint_misses_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    generate(ACME_SPEC, tmp_path / "first" / "pkg", "--cache-dir", cache)
    before = entries(cache)
    calls = Calls(monkeypatch)
    monkeypatch.setattr(caching, "version_fingerprint", lambda: "another version")
    generate(ACME_SPEC, tmp_path / "second" / "pkg", "--cache-dir", cache)
    assert calls.validated == 1 and calls.models == 1 and calls.formatted == [None]
    after = entries(cache)
    for kind in ("findings", "models", "format", "package"):
        assert before[kind] and not before[kind] & after[kind] - before[kind]
        assert len(after[kind]) == 2 * len(before[kind]), kind
    assert tree(tmp_path / "first" / "pkg") == tree(tmp_path / "second" / "pkg")


def test_the_fingerprint_follows_every_version(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("specforge", "datamodel-code-generator", "pydantic", "ruff", "jinja2"):
        assert name in caching.DISTRIBUTIONS
    versions = caching.installed_versions(caching.DISTRIBUTIONS)
    assert versions["ruff"] and versions["datamodel-code-generator"] and versions["pydantic"]
    fingerprint = caching.version_fingerprint.__wrapped__
    base = fingerprint()
    assert base == fingerprint()
    for name in ("ruff", "datamodel-code-generator", "jinja2"):
        changed = {**versions, name: versions[name] + ".post1"}
        monkeypatch.setattr(caching, "installed_versions", lambda _names, c=changed: c)
        assert fingerprint() != base, name
    monkeypatch.setattr(caching, "installed_versions", lambda _names: versions)
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    assert fingerprint() != base
    monkeypatch.setattr(sys, "version", sys.version.rsplit(" (another build)", 1)[0])
    monkeypatch.setattr(caching, "sources_digest", lambda: "edited sources")
    assert fingerprint() != base


def test_a_cached_check_finds_the_same_drift(tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "pkg"
    generate(ACME_SPEC, out, "--no-cache")
    args = ["check", "--spec", str(ACME_SPEC), "--output", str(out)]
    assert main([*args, "--cache-dir", str(cache)]) == 0
    models = next(out.rglob("models.py"))
    models.write_text(models.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert main([*args, "--cache-dir", str(cache)]) == 1  # from the package entry
    assert main([*args, "--no-cache"]) == 1
    for blob in (cache / caching.LAYOUT / "blob").glob("*/*"):
        blob.unlink()  # evicted: the diff is rendered again
    assert main([*args, "--cache-dir", str(cache)]) == 1


def test_check_diffs_are_the_same_with_and_without_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache, out = tmp_path / "cache", tmp_path / "pkg"
    generate(ACME_SPEC, out, "--cache-dir", cache)
    models = next(out.rglob("models.py"))
    models.write_text(models.read_text(encoding="utf-8").replace("class ", "class  ", 1))
    args = ["check", "--spec", str(ACME_SPEC), "--output", str(out)]
    diffs = []
    for flags in (["--cache-dir", str(cache)], ["--no-cache"]):
        capsys.readouterr()
        assert main([*args, *flags]) == 1
        diffs.append(capsys.readouterr().out)
    assert diffs[0] == diffs[1] and "models.py" in diffs[0]


def test_where_the_cache_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from specforge.cli.common import config_from
    from specforge.cli.generate import register

    work = Path.cwd()
    (work / "pyproject.toml").write_text(
        f'[tool.specforge]\nspec = "{VIDEO_SPEC}"\ncache_dir = "build/cache"\n', encoding="utf-8"
    )

    def folder(*argv: str) -> Path | None:
        import argparse

        parser = argparse.ArgumentParser()
        register(parser.add_subparsers())
        return config_from(parser.parse_args(["generate", *argv])).cache_dir

    assert folder() == work / "build" / "cache"
    monkeypatch.setenv(caching.ENV_DIR, str(tmp_path / "from-env"))
    assert folder() == tmp_path / "from-env"
    assert folder("--cache-dir", str(tmp_path / "flag")) == tmp_path / "flag"
    assert folder("--no-cache") is None
    (work / "pyproject.toml").write_text(f'[tool.specforge]\nspec = "{VIDEO_SPEC}"\n')
    monkeypatch.delenv(caching.ENV_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert folder() == tmp_path / "xdg" / "specforge"


def test_no_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(caching.ENV_DIR, str(tmp_path / "cache"))
    generate(VIDEO_SPEC, tmp_path / "pkg", "--no-cache")
    assert not (tmp_path / "cache").exists()


def test_the_cache_stays_under_its_cap(tmp_path: Path) -> None:
    store = caching.Cache(tmp_path, max_bytes=10_000, fingerprint="test")
    keys = []
    for index in range(30):
        key = store.key("models", str(index))
        store.put("models", key, bytes(1000))
        os.utime(store.path("models", key), (time.time() - 100 + index,) * 2)
        keys.append(key)
    assert store.get("models", keys[0]) is not None  # read: used recently, so kept
    store.trim()
    assert store.size() <= 10_000
    assert store.get("models", keys[0]) is not None and store.get("models", keys[-1]) is not None
    assert store.get("models", keys[1]) is None  # the least recently used went first


def test_the_cache_never_fails_a_run(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    generate(VIDEO_SPEC, tmp_path / "pkg", "--cache-dir", blocked / "cache")
    assert (tmp_path / "pkg" / "pyproject.toml").is_file()


HEAVY = ["openapi_spec_validator", "datamodel_code_generator", "jinja2", "schemathesis"]


def test_a_cached_check_imports_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    generate(VIDEO_SPEC, tmp_path / "pkg", "--cache-dir", cache)
    script = (
        "import sys\nfrom specforge.cli import main\n"
        f"code = main(['check', '--spec', {str(VIDEO_SPEC)!r}, '--output', "
        f"{str(tmp_path / 'pkg')!r}, '--cache-dir', {str(cache)!r}])\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path / "work",
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`specforge <args>` in a process of its own (single-threaded: it may fork)."""
    return subprocess.run(
        [sys.executable, "-m", "specforge", *map(str, args)],
        cwd=Path.cwd(),
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_models_made_beside_the_validator_are_the_same_bytes(tmp_path: Path) -> None:
    for name, env in (("forked", {}), ("serial", {pipeline.SERIAL_ENV: "1"})):
        for spec in (VIDEO_SPEC, ACME_SPEC):
            done = cli("generate", "--spec", spec, "--output", tmp_path / name / spec.stem,
                       "--no-cache", env=env)  # fmt: skip
            assert done.returncode == 0, done.stderr
    assert tree(tmp_path / "forked") == tree(tmp_path / "serial")


def test_a_refused_spec_is_refused_alike_with_the_models_started(tmp_path: Path) -> None:
    text = ACME_SPEC.read_text(encoding="utf-8")
    line = "          description: One page of projects.\n"
    assert line in text
    broken = {  # a validator finding; a broken skeleton (the validator's own refusal)
        "finding": text.replace(line, "", 1),
        "shape": text.replace("enum: [private, team, public]", "enum: private", 1),
    }
    for name, body in broken.items():
        spec = tmp_path / f"{name}.yaml"
        spec.write_text(body, encoding="utf-8")
        outcomes = []
        for env in ({}, {pipeline.SERIAL_ENV: "1"}):
            done = cli("generate", "--spec", spec, "--output", tmp_path / "out", "--no-cache",
                       env=env)  # fmt: skip
            outcomes.append((done.returncode, done.stdout, done.stderr))
        assert outcomes[0] == outcomes[1], name
        assert outcomes[0][0] == 2 and "invalid spec" in outcomes[0][2], outcomes[0]
        assert not (tmp_path / "out").exists()
    done = cli("generate", "--spec", ACME_SPEC, "--output", tmp_path / "out", "--no-cache",
               "--limit", "models-seconds=0.01")  # fmt: skip
    assert done.returncode == 2 and "models-seconds" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


# -- models group by group -------------------------------------------------------------------
FIXTURES = ROOT / "tests" / "fixtures"
GROUPED = {
    "acme": ACME_SPEC,
    "features": FIXTURES / "sdk-features.yaml",
    "constructs": FIXTURES / "constructs" / "constructs-3.1.yaml",
}
BASE = "pkg._base_model.BaseModel"


def model_document(spec: Path) -> dict[str, Any]:
    """The model document of a spec, every component's enums opened."""
    from specforge.document.loader import load_spec
    from specforge.document.schemas import normalize
    from specforge.generator.models import model_document as document_of
    from specforge.generator.parse import build_api

    loaded = load_spec(spec)
    api = build_api(normalize(loaded.document, str(loaded.document["openapi"])))
    return document_of(api.schemas, api.schema_classes, set(api.schemas))


def statements(source: str) -> Counter[str]:
    """The top-level statements of a models module (and the root types' block's), in any
    order; the imports name by name."""
    import ast

    found: Counter[str] = Counter()
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            found.update("alias " + ast.unparse(n) for n in node.body)
            found.update("runtime " + ast.unparse(n) for n in node.orelse)
        elif isinstance(node, ast.ImportFrom):
            found.update({f"from {node.module} import {ast.unparse(a)}": 1 for a in node.names})
        else:
            found[ast.unparse(node)] += 1
    return found


@pytest.mark.parametrize("name", sorted(GROUPED))
def test_models_made_group_by_group_are_those_of_one_call(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specforge.generator import models

    document = model_document(GROUPED[name])
    monkeypatch.setattr(models, "GROUP_SCHEMAS", 2)  # several units even for a small spec
    assert len(models.schema_units(document["components"]["schemas"])) > 1
    whole = models._generate_models(document, BASE)
    grouped = models.generate_models(document, BASE, workers=1)
    assert statements(grouped) == statements(whole)  # the same classes, names and imports


def test_grouped_models_are_the_same_bytes_whatever_the_cache_and_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specforge.generator import models

    monkeypatch.setattr(models, "GROUP_SCHEMAS", 3)
    document = model_document(GROUPED["constructs"])
    units = models.schema_units(document["components"]["schemas"])
    cache = caching.Cache(tmp_path / "cache")
    uncached = models.generate_models(document, BASE, workers=1)
    assert models.generate_models(document, BASE, workers=2) == uncached  # in two workers
    assert models.generate_models(document, BASE, cache=cache, workers=2) == uncached  # cold
    stored = sorted((tmp_path / "cache" / caching.LAYOUT / "groups").glob("*/*"))
    assert len(stored) == len(units) > 2
    assert models.generate_models(document, BASE, cache=cache, workers=1) == uncached  # warm
    for path in stored[::2]:  # some units from the cache, the others made again
        path.unlink()
    assert models.generate_models(document, BASE, cache=cache, workers=2) == uncached


def test_one_changed_schema_makes_only_its_group_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specforge.generator import models

    monkeypatch.setattr(models, "GROUP_SCHEMAS", 3)
    document = model_document(GROUPED["constructs"])
    schemas = document["components"]["schemas"]
    cache = caching.Cache(tmp_path / "cache")
    models.generate_models(document, BASE, cache=cache, workers=1)
    made: list[list[str]] = []
    real = models._generate_models

    def counted(unit: dict[str, Any], base: str) -> str:
        made.append(list(unit["components"]["schemas"]))
        return real(unit, base)

    monkeypatch.setattr(models, "_generate_models", counted)
    name = next(iter(schemas))
    changed = {**document, "components": {"schemas": {**schemas}}}
    changed["components"]["schemas"][name] = {**schemas[name], "description": "Changed."}
    assert models.schema_units(changed["components"]["schemas"]) == models.schema_units(schemas)
    source = models.generate_models(changed, BASE, cache=cache, workers=1)
    assert len(made) == 1 and name in made[0] and len(made[0]) < len(schemas)
    assert "Changed." in source
    monkeypatch.setattr(models, "_generate_models", real)
    assert models.generate_models(changed, BASE, workers=1) == source


def test_schema_groups_never_refer_to_one_another() -> None:
    from specforge.generator import models

    for spec in GROUPED.values():
        schemas = model_document(spec)["components"]["schemas"]
        units = models.schema_units(schemas, 2)
        assert sorted(n for unit in units for n in unit) == sorted(schemas)
        order = {name: index for index, name in enumerate(schemas)}
        for unit in units:
            assert unit == sorted(unit, key=order.__getitem__)
            for name in unit:
                assert models._referenced(schemas[name], order) <= set(unit)
        assert [order[unit[0]] for unit in units] == sorted(order[unit[0]] for unit in units)


def test_groups_that_define_a_same_name_are_made_as_one() -> None:
    """An inline model's name (`A.w` -> `AW`) may be a component's of another group: the model
    generator, given both, names one of them otherwise, and so it is given both."""
    import ast

    from specforge.generator import models

    schemas = {
        "A": {"type": "object", "properties": {"w": {"type": "object", "properties": {}}}},
        "AW": {"type": "object", "properties": {"y": {"type": "integer"}}},
        "B": {"type": "object", "properties": {"s": {"type": "string", "enum": ["a", "b"]}}},
        "BS": {"type": "string", "enum": ["c"]},
        "C": {"type": "object", "properties": {"z": {"type": "string"}}},
    }
    document = models.model_document(schemas, {name: name for name in schemas}, set())
    assert len(models.schema_units(document["components"]["schemas"], 1)) == len(schemas)

    def classes(source: str) -> list[str]:
        return sorted(n.name for n in ast.parse(source).body if isinstance(n, ast.ClassDef))

    whole = models._generate_models(document, BASE)
    grouped = models.generate_models(document, BASE, workers=1)
    assert classes(grouped) == classes(whole)
    assert len(set(classes(grouped))) == len(classes(grouped)) > len(schemas)


def test_packages_of_grouped_models_are_the_same_bytes_serial_parallel_and_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specforge.generator import models

    monkeypatch.setattr(models, "GROUP_SCHEMAS", 2)
    monkeypatch.setattr(models, "PARALLEL_SCHEMAS", 0)  # worker processes for any size
    spec, cache = GROUPED["features"], tmp_path / "cache"
    generate(spec, tmp_path / "cold" / "pkg", "--cache-dir", cache)
    generate(spec, tmp_path / "warm" / "pkg", "--cache-dir", cache)
    generate(spec, tmp_path / "none" / "pkg", "--no-cache")
    monkeypatch.setenv(pipeline.SERIAL_ENV, "1")
    generate(spec, tmp_path / "serial" / "pkg", "--no-cache")
    runs = [tree(tmp_path / run / "pkg") for run in ("cold", "warm", "none", "serial")]
    assert all(run == runs[0] for run in runs)


def test_conform_and_the_mock_keep_and_reuse_the_validators_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spec the generator validated is not validated again by `conform` (nor by the mock it
    starts, which serves the model conform loaded); `--no-cache` validates every time."""
    from specforge.conformance.mock.server import MockOptions, build_app

    cache = tmp_path / "cache"
    generate(VIDEO_SPEC, tmp_path / "pkg", "--cache-dir", cache)
    calls = Calls(monkeypatch)
    argv = ["conform", "--spec", str(VIDEO_SPEC), "--max-examples", "1"]
    assert main([*argv, "--cache-dir", str(cache)]) == 0
    assert calls.validated == 0
    build_app(MockOptions(spec=VIDEO_SPEC, cache_dir=cache))
    assert calls.validated == 0
    assert main([*argv, "--no-cache"]) == 0
    assert calls.validated == 1
    from specforge.generator.findings import ValidSchemas

    kept = ValidSchemas(caching.Cache(cache)).key  # the schemas known valid, beside the findings
    assert kept in entries(cache)["findings"] and len(entries(cache)["findings"]) == 2
