"""packaging/debroot.py: which packages go into the smoke test's minimal root (pure parts, on a made-up status file).
The whole script runs in packaging/smoke.sh against the host's real dpkg database."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "packaging" / "debroot.py"
spec = importlib.util.spec_from_file_location("debroot", PATH)
assert spec is not None and spec.loader is not None
debroot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(debroot)

STATUS = """\
Package: libc6
Status: install ok installed
Priority: required
Architecture: amd64
Version: 2.36-9

Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Architecture: amd64
Depends: libc6

Package: libgl1
Status: install ok installed
Priority: optional
Architecture: amd64
Depends: libglvnd0 (>= 1.1), libglx0 (= 1.6.0-1)

Package: libglvnd0
Status: install ok installed
Priority: optional
Architecture: amd64
Depends: libc6 (>= 2.34)

Package: libglx0
Status: install ok installed
Priority: optional
Architecture: amd64
Depends: libglx-mesa0 | libglx-binary, libx11-6:any
Description: a long description
 that goes on for
 several lines

Package: libglx-nvidia0
Status: install ok installed
Priority: optional
Architecture: amd64
Provides: libglx-binary, libglx-vendor

Package: libx11-6
Status: install ok installed
Priority: optional
Architecture: amd64
Pre-Depends: libc6

Package: libx11-6
Status: install ok installed
Priority: optional
Architecture: i386

Package: fonts-dejavu-core
Status: install ok installed
Priority: optional
Architecture: all

Package: old-tool
Status: deinstall ok config-files
Priority: optional
Architecture: amd64

Package: unused
Status: install ok installed
Priority: optional
Architecture: amd64
"""


@pytest.fixture
def installed():
    return debroot.parse_status(STATUS, "amd64")


def test_status_keeps_installed_native_and_all_packages_with_their_stanza(installed):
    assert "old-tool" not in installed
    assert installed["libx11-6"][0]["Architecture"] == "amd64"
    assert installed["fonts-dejavu-core"][0]["Architecture"] == "all"
    fields, stanza = installed["libglx0"]
    assert fields["Depends"] == "libglx-mesa0 | libglx-binary, libx11-6:any"
    assert stanza.startswith("Package: libglx0\n") and stanza.endswith(" several lines")


def test_alternatives_drop_versions_and_arch_qualifiers():
    assert debroot.alternatives("libglvnd0 (>= 1.1), libglx-mesa0 | libglx-binary, libx11-6:any, ") == [
        ["libglvnd0"], ["libglx-mesa0", "libglx-binary"], ["libx11-6"]]
    assert debroot.alternatives("") == []


def test_closure_has_the_required_set_and_every_dependency_through_alternatives_and_provides(installed):
    got = debroot.closure(installed, "libgl1, fonts-dejavu-core | fonts-dejavu")
    # libglx-mesa0 is not installed: the virtual libglx-binary is satisfied by the package that provides it
    assert got == {"libc6", "base-files", "libgl1", "libglvnd0", "libglx0", "libglx-nvidia0", "libx11-6",
                   "fonts-dejavu-core"}
    assert "unused" not in got


def test_closure_names_a_dependency_the_host_cannot_satisfy(installed):
    with pytest.raises(debroot.Unsatisfiable, match="^libxcb-cursor0$"):
        debroot.closure(installed, "libgl1, libxcb-cursor0")
