"""Make a minimal Debian root from the packages installed on this host, offline (no mirror, no debootstrap).

    python3 packaging/debroot.py ROOT --depends "libgl1, libegl1, fonts-dejavu-core | fonts-dejavu"

The root holds the files of the host's Priority: required / Essential packages (what ``debootstrap --variant=minbase``
starts from) plus the dependency closure of ``--depends`` (Depends and Pre-Depends, first installed alternative,
virtual packages through Provides), and a dpkg database listing exactly those packages. A .deb installed into it
with ``dpkg --root`` has its Depends checked by dpkg against that database, and a program run in it with ``chroot``
finds only the libraries of those packages: whatever the package forgot to depend on is missing there.

Exit 1 with a message naming the dependency when the host cannot satisfy one (install it on the host first).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

STATUS = Path("/var/lib/dpkg/status")
INFO = Path("/var/lib/dpkg/info")


class Unsatisfiable(Exception):
    pass


def parse_status(text: str, native: str) -> dict[str, tuple[dict[str, str], str]]:
    """Installed packages of the native architecture (and arch: all): name -> (fields, stanza)."""
    out: dict[str, tuple[dict[str, str], str]] = {}
    for stanza in text.strip().split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in stanza.splitlines():
            if line.startswith((" ", "\t")):
                fields[key] = fields.get(key, "") + "\n" + line
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields.get("Status", "").endswith(" installed") and fields.get("Architecture") in (native, "all"):
            out[fields["Package"]] = (fields, stanza)
    return out


def alternatives(field: str) -> list[list[str]]:
    """'a (>= 1) | b:any, c' -> [['a', 'b'], ['c']] (versions and arch qualifiers dropped)."""
    groups = []
    for group in field.split(","):
        names = [re.sub(r"\(.*?\)|\[.*?\]|<.*?>", "", alt).strip().split(":")[0] for alt in group.split("|")]
        if any(names):
            groups.append([n for n in names if n])
    return groups


def closure(installed: dict[str, tuple[dict[str, str], str]], depends: str) -> set[str]:
    provides: dict[str, list[str]] = {}
    for name, (fields, _) in installed.items():
        for group in alternatives(fields.get("Provides", "")):
            provides.setdefault(group[0], []).append(name)

    def resolve(group: list[str]) -> str:
        for name in group:
            if name in installed:
                return name
            if provides.get(name):
                return sorted(provides[name])[0]
        raise Unsatisfiable(" | ".join(group))

    todo = [name for name, (f, _) in installed.items() if f.get("Priority") == "required" or f.get("Essential") == "yes"]
    todo += [resolve(g) for g in alternatives(depends)]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        fields = installed[name][0]
        for field in ("Pre-Depends", "Depends"):
            todo += [resolve(g) for g in alternatives(fields.get(field, ""))]
    return seen


def files_of(name: str, arch: str) -> list[str]:
    for candidate in (INFO / f"{name}:{arch}.list", INFO / f"{name}.list"):
        if candidate.exists():
            return candidate.read_text().splitlines()
    return []


def build(root: Path, packages: set[str], installed: dict[str, tuple[dict[str, str], str]]) -> int:
    for top in ("bin", "sbin", "lib", "lib64"):  # merged /usr: the same top-level links as the host
        link = Path("/") / top
        if link.is_symlink():
            (root / top).symlink_to(link.readlink())
            (root / top).resolve().mkdir(parents=True, exist_ok=True)
    paths: list[str] = []
    for name in sorted(packages):
        fields = installed[name][0]
        paths += [p for p in files_of(name, fields["Architecture"]) if p not in ("/", "/.")]
    existing = sorted({p.lstrip("/") for p in paths if Path(p).exists() or Path(p).is_symlink()})
    listing = "\0".join(existing).encode()
    pack = subprocess.Popen(["tar", "-C", "/", "--no-recursion", "--null", "-T", "-", "-cf", "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    unpack = subprocess.Popen(["tar", "-C", str(root), "--keep-directory-symlink", "-xf", "-"], stdin=pack.stdout)
    assert pack.stdin is not None and pack.stdout is not None
    pack.stdout.close()
    pack.stdin.write(listing)
    pack.stdin.close()
    if pack.wait() != 0 or unpack.wait() != 0:
        raise SystemExit("debroot: copying the packages' files failed")
    admin = root / "var" / "lib" / "dpkg"
    for sub in ("info", "updates", "triggers"):
        (admin / sub).mkdir(parents=True, exist_ok=True)
    (admin / "status").write_text("\n\n".join(installed[n][1] for n in sorted(packages)) + "\n")
    (admin / "available").touch()
    for name in packages:  # dpkg wants each installed package's file list
        arch = installed[name][0]["Architecture"]
        src = next((c for c in (INFO / f"{name}:{arch}.list", INFO / f"{name}.list") if c.exists()), None)
        if src is not None:
            (admin / "info" / src.name).write_bytes(src.read_bytes())
    for sub in ("tmp", "root", "dev", "proc", "run"):
        (root / sub).mkdir(exist_ok=True)
    (root / "tmp").chmod(0o1777)
    return len(existing)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("root", type=Path, help="an empty or missing directory")
    p.add_argument("--depends", default="", help="a Depends field, as in a .deb's control file")
    args = p.parse_args(argv)
    if args.root.exists() and any(args.root.iterdir()):
        print(f"debroot: {args.root} is not empty", file=sys.stderr)
        return 2
    args.root.mkdir(parents=True, exist_ok=True)
    native = subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True,
                            text=True).stdout.strip()
    installed = parse_status(STATUS.read_text(), native)
    try:
        packages = closure(installed, args.depends)
    except Unsatisfiable as exc:
        print(f"debroot: this host has no installed package for the dependency {exc}: install it first",
              file=sys.stderr)
        return 1
    n = build(args.root, packages, installed)
    print(f"debroot: {len(packages)} packages, {n} paths in {args.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
