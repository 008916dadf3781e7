#!/usr/bin/env bash
# Installer smoke test (Debian/Ubuntu, as root, offline): build the .deb (build.sh), install it with dpkg into a
# throw-away Debian root that holds only the host's required packages plus what the .deb depends on
# (packaging/debroot.py), then run the installed app inside that root (chroot, with its own mount, pid and network
# namespaces: loopback only) on the offscreen platform:
#   trading-terminal --version      must print "trading-terminal <pyproject version>"
#   trading-terminal --self-test    starts the embedded sandbox, connects, buys 0.001 BTCUSDT at market, checks
#                                   the fill, exits 0 (non-zero on any failure or logged warning)
# A library missing from deb/control.in's Depends is missing from that root too, so the installed app fails there
# (tried: without libgl1 the self-test fails with "ImportError: libGL.so.1"); dpkg itself refuses a package that is
# unpackable or overwrites another package's files.
#
#   bash packaging/smoke.sh              build, install, run
#   bash packaging/smoke.sh --no-build   reuse packaging/out/trading-terminal_<version>_<arch>.deb
#   bash packaging/smoke.sh --deb FILE   test that .deb (one built elsewhere, e.g. by the release workflow)
#
# Needs: root (chroot, namespaces, dpkg --root), util-linux unshare, dpkg, python3, and the .deb's Depends installed
# on the host (debroot copies them from here; .ci/run installs them). Exit 0 only if every step passed; temp dirs
# are removed and every process the app started dies with its pid namespace.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"; out="$here/out"
started=$SECONDS
step_started=$SECONDS
step_name="start"

step() {  # step NAME: announce a step; the previous one's time is printed
  [ "$step_name" = start ] || echo "   ($((SECONDS - step_started)) s)"
  step_name="$1"; step_started=$SECONDS
  echo "== smoke: $1"
}
fail() { echo "smoke: FAILED ($step_name): $*" >&2; exit 1; }

build=1
deb=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --deb) [ $# -ge 2 ] || { echo "smoke: --deb needs a file" >&2; exit 2; }
           deb="$(realpath "$2")"; build=0; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "smoke: unknown argument $1 (use --no-build or --deb FILE)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || fail "run as root: the installed app runs in a chroot with its own namespaces"
for tool in unshare chroot dpkg dpkg-deb python3 ldconfig mount; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done

tmp="$(mktemp -d /tmp/trading-terminal-smoke.XXXXXX)"
cleanup() {
  local rc=$?
  # mounts exist only inside the unshare'd namespace; never delete through one that leaked out
  if grep -qF " $tmp" /proc/self/mountinfo; then
    echo "smoke: something is still mounted under $tmp; not deleting it" >&2
    rc=1
  else
    rm -rf "$tmp"
  fi
  [ "$rc" = 0 ] && echo "smoke: OK in $((SECONDS - started)) s" || echo "smoke: FAILED after $((SECONDS - started)) s" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

version=$(python3 -c "import tomllib;print(tomllib.load(open('$root/pyproject.toml','rb'))['project']['version'])")
arch=$(dpkg --print-architecture)
[ -n "$deb" ] || deb="$out/trading-terminal_${version}_${arch}.deb"

if [ "$build" = 1 ]; then
  step "build the PyInstaller app and the .deb (packaging/build.sh)"
  bash "$here/build.sh" || fail "build.sh failed"
fi
[ -f "$deb" ] || fail "no $deb (build it: run without --no-build)"

step "check the package's fields"
for field in "Package=trading-terminal" "Version=$version" "Architecture=$arch"; do
  got=$(dpkg-deb -f "$deb" "${field%%=*}")
  [ "$got" = "${field#*=}" ] || fail "${field%%=*} is '$got', expected '${field#*=}'"
done
depends=$(dpkg-deb -f "$deb" Depends)
[ -n "$depends" ] || fail "the package declares no Depends"

step "make a minimal Debian root from this host's packages"
r="$tmp/root"
python3 "$here/debroot.py" "$r" --depends "$depends" || fail "cannot make the root (see above)"
ldconfig -r "$r"  # what libc-bin's trigger does in a real installation

step "install the .deb into it with dpkg (checks Depends against that root)"
dpkg --root="$r" --log=/dev/null -i "$deb" || fail "dpkg could not install $deb into a root with its Depends"
for f in /opt/trading-terminal/trading-terminal /usr/share/applications/trading-terminal.desktop \
         /usr/share/icons/hicolor/scalable/apps/trading-terminal.svg; do
  [ -e "$r$f" ] || fail "the package did not install $f"
done
[ "$(readlink "$r/usr/bin/trading-terminal")" = /opt/trading-terminal/trading-terminal ] \
  || fail "/usr/bin/trading-terminal does not point at /opt/trading-terminal/trading-terminal"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$r/usr/share/applications/trading-terminal.desktop" || fail "desktop-file-validate"
else
  echo "   (desktop-file-validate not installed: desktop entry not validated)"
fi

# in_root SECONDS COMMAND...: run COMMAND in the root, offscreen, loopback-only network, fresh HOME, own pid
# namespace (everything it starts dies with it), bounded by timeout
in_root() {
  local limit="$1"; shift
  timeout --kill-after=10 "$limit" unshare --mount --pid --net --fork --kill-child -- bash -c '
    set -euo pipefail
    r="$1"; shift
    mount --make-rprivate /
    mount -t proc proc "$r/proc"
    mount -t tmpfs -o mode=755 tmpfs "$r/dev"
    for n in null zero random urandom; do touch "$r/dev/$n"; mount --bind "/dev/$n" "$r/dev/$n"; done
    mkdir "$r/dev/shm"; mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
    python3 -c "
import fcntl, socket, struct  # bring up lo in the new network namespace (no iproute2 needed)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack(\"16sh\", fcntl.ioctl(s, 0x8913, struct.pack(\"16sh\", b\"lo\", 0)))[1]
fcntl.ioctl(s, 0x8914, struct.pack(\"16sh\", b\"lo\", flags | 1))"
    exec chroot "$r" /usr/bin/env -i HOME=/tmp/home PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
      QT_QPA_PLATFORM=offscreen "$@"' in_root "$r" "$@"
}

step "run 'trading-terminal --version' in the root"
got=$(in_root 60 trading-terminal --version) || fail "trading-terminal --version exited $?"
[ "$got" = "trading-terminal $version" ] || fail "--version printed '$got', expected 'trading-terminal $version'"
echo "   $got"

step "run 'trading-terminal --self-test' in the root (embedded sandbox, market buy, fill)"
log="$tmp/self-test.log"
if ! in_root 180 trading-terminal --self-test >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  fail "the installed app's self-test failed (its last lines above)"
fi
grep -q "self-test ok" "$log" || { tail -n 40 "$log" >&2; fail "the self-test did not report success"; }
grep "self-test ok" "$log" | sed 's/^/   /'
step "done"
