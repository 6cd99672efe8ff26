"""The versions CI tests: the floors of pyproject.toml, and the newest releases.

``python .ci/versions.py floors``
    Every requirement of the build system, the core and the extras ``modal``,
    ``benchmark``, ``parquet``, ``embed`` and ``test`` is a floor only (``name>=X``, no cap
    that would keep CI off the newest releases), and ``X`` is the pin of that
    name in ``.ci/lowest.txt``, so that ``.ci/lowest`` tests exactly the
    declared floors. The ``docs`` extra may only have floors too, equal to the
    others where it names the same package.
``python .ci/versions.py installed``
    The running environment holds exactly the pins of ``.ci/lowest.txt`` (plus
    skpref and pip): nothing missing, nothing unpinned.
``python .ci/versions.py newest``
    Prints the installed versions of the core and test requirements and names,
    on stderr, any that is not the newest release on the package index (a cap
    upstream, as ours are refused by ``floors``).

Exits 1 with one line per problem. Standard library only (CPython 3.11+).
"""

import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOWEST = ROOT / ".ci" / "lowest.txt"
TESTED_EXTRAS = ("modal", "benchmark", "parquet", "embed", "test")
UNPINNED = {"skpref", "pip"}
_REQUIREMENT = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)")
# A pin may carry a post-release (certifi==2026.10.19.post1) and a local label
# (torch==2.13.0+cpu: the CPU build, never the CUDA one).
_RELEASE = re.compile(r"[0-9]+(?:\.[0-9]+)*(?:\.post[0-9]+)?(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?")


def canonical(name):
    """PEP 503 name: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def release(version, where):
    """``"1.6"`` -> ``(1, 6)``; trailing zeros dropped, so 1.6 and 1.6.0 are equal."""
    if not _RELEASE.fullmatch(version):
        raise SystemExit(f"{where}: {version!r} is not a plain release number")
    parts = [int(part) for part in version.split("+")[0].split(".post")[0].split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def floor(requirement, where):
    """``"numpy>=1.23.2"`` -> ``("numpy", "1.23.2")``; anything but one ``>=`` is refused."""
    match = _REQUIREMENT.fullmatch(requirement.strip())
    if match is None or ";" in requirement or "@" in requirement:
        raise SystemExit(f"{where}: cannot read {requirement!r} (name>=version expected)")
    name, spec = match.groups()
    specs = [part.strip() for part in spec.split(",") if part.strip()]
    if len(specs) != 1 or not specs[0].startswith(">=") or specs[0].startswith(">=="):
        raise SystemExit(
            f"{where}: {requirement!r} must be a floor only (name>=version): a cap or a pin "
            "keeps CI off the newest releases, and .ci/lowest needs the floor"
        )
    version = specs[0][2:].strip()
    release(version, where)
    return canonical(name), version


def pins():
    """``{canonical name: version}`` of ``.ci/lowest.txt``."""
    pinned = {}
    for number, line in enumerate(LOWEST.read_text().splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        where = f"{LOWEST.name}:{number}"
        if not sep or not name.strip() or not version.strip():
            raise SystemExit(f"{where}: {line!r} is not name==version")
        key = canonical(name.strip())
        if key in pinned:
            raise SystemExit(f"{where}: {name.strip()} is pinned twice")
        release(version.strip(), where)
        pinned[key] = version.strip()
    return pinned


def requirements():
    """``[(group, requirement)]`` of pyproject.toml, docs last."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = project["project"].get("optional-dependencies", {})
    groups = [("build-system", project["build-system"]["requires"])]
    groups.append(("dependencies", project["project"].get("dependencies", [])))
    groups += [(f"[{extra}]", extras.get(extra, [])) for extra in TESTED_EXTRAS]
    missing = [extra for extra in TESTED_EXTRAS if extra not in extras]
    if missing:
        raise SystemExit(f"pyproject.toml: no extra {', '.join(missing)}")
    others = [extra for extra in extras if extra not in TESTED_EXTRAS]
    groups += [(f"[{extra}]", extras[extra]) for extra in others]
    return [(group, requirement) for group, listed in groups for requirement in listed]


def check_floors():
    pinned = pins()
    tested = {"build-system", "dependencies", *(f"[{extra}]" for extra in TESTED_EXTRAS)}
    problems, floors = [], {}
    for group, requirement in requirements():  # the tested groups come first
        name, version = floor(requirement, f"pyproject.toml {group}")
        if name in floors:
            if release(version, group) != release(floors[name], group):
                problems.append(f"{group}: {name}>={version}, but >={floors[name]} elsewhere")
            continue
        floors[name] = version
        if group not in tested:
            continue
        if name not in pinned:
            problems.append(f"{group}: {name} has no pin in .ci/lowest.txt")
        elif release(pinned[name], LOWEST.name) != release(version, group):
            problems.append(
                f"{group}: the floor {name}>={version} is not the pin {name}=={pinned[name]} "
                "of .ci/lowest.txt"
            )
    return problems


def check_installed():
    pinned = pins()
    installed = {
        canonical(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
    }
    problems = [
        f"{name}=={installed[name]} is installed but not pinned in .ci/lowest.txt"
        for name in sorted(set(installed) - set(pinned) - UNPINNED)
    ]
    for name, version in sorted(pinned.items()):
        if name not in installed:
            problems.append(f"{name}=={version} is pinned but not installed")
        elif installed[name] != version:
            problems.append(f"{name}=={installed[name]} is installed, {version} is pinned")
    return problems


def report_newest():
    names = [
        floor(requirement, group)[0]
        for group, requirement in requirements()
        if group in {"dependencies", "[test]"}
    ]
    installed = {
        canonical(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
    }
    print("Tested versions:", ", ".join(f"{name} {installed.get(name, '-')}" for name in names))
    listing = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--outdated", "--format=json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0:
        print(f"warning: pip list --outdated failed: {listing.stderr.strip()}", file=sys.stderr)
        return []
    outdated = {canonical(row["name"]): row["latest_version"] for row in json.loads(listing.stdout)}
    for name in names:
        if name in outdated:
            print(
                f"warning: {name} {installed[name]} is not the newest release "
                f"({outdated[name]}): something caps it",
                file=sys.stderr,
            )
    return []


def main(argv):
    commands = {"floors": check_floors, "installed": check_installed, "newest": report_newest}
    if len(argv) != 1 or argv[0] not in commands:
        raise SystemExit(f"usage: python .ci/versions.py {{{','.join(commands)}}}")
    problems = commands[argv[0]]()
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
