#!/usr/bin/env bash
# macOS recipe: a .app bundle from the shared PyInstaller spec (its BUNDLE step, Info.plist from macos/Info.plist)
# and a .dmg made with hdiutil.
#   bash packaging/macos/build.sh   -> packaging/out/Trading-Terminal-<version>-<arch>.dmg
# Needs: Python 3.11 (PYTHON=<path> or python3 on PATH), Xcode command line tools (codesign, hdiutil is built in).
# The build machine's architecture is the app's (arm64 on Apple silicon runners; build on an Intel runner for x86_64).
#
# Signing and notarisation (optional; unsigned apps open only after right-click > Open):
#   MACOS_SIGN_IDENTITY="Developer ID Application: Name (TEAMID)"   PyInstaller (through the spec) signs every
#       binary and the bundle with the hardened runtime and macos/entitlements.plist; this script then the .dmg
#   NOTARY_PROFILE=<name>   a profile saved with `xcrun notarytool store-credentials`: the .dmg is notarised and the
#       ticket stapled
# API keys live in the login keychain through keyring's macOS backend (bundled by PyInstaller's keyring hook; no
# extra package). macOS ties keychain access to the app's code signature: with a stable Developer ID signature
# "Always Allow" survives updates, an unsigned or ad-hoc signed build asks again after every rebuild.
#
# Not run on the Linux machine the rest of the packaging is tested on: .github/workflows/release.yml runs it on a
# macOS runner, then mounts the .dmg and runs the bundled app's --version and --self-test.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"; root="$(dirname "$here")"; out="$here/out"
python="${PYTHON:-python3}"
version=$("$python" -c "import tomllib;print(tomllib.load(open('$root/pyproject.toml','rb'))['project']['version'])")
arch=$(uname -m)
mkdir -p "$out"
[ -x "$out/venv/bin/python" ] || "$python" -m venv "$out/venv"
"$out/venv/bin/pip" install -q "$root" "pyinstaller==6.22.3"
"$out/venv/bin/python" "$here/icons.py" "$out/icons"
rm -rf "$out/dist" "$out/build"
"$out/venv/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$out/dist" --workpath "$out/build" "$here/trading-terminal.spec"
app="$out/dist/Trading Terminal.app"
printed=$("$app/Contents/MacOS/trading-terminal" --version)
[ "$printed" = "trading-terminal $version" ] || { echo "the frozen app printed '$printed'" >&2; exit 1; }

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then  # the spec had PyInstaller sign every binary and the bundle
  codesign --verify --deep --strict --verbose=2 "$app"
fi

stage="$out/dmg"; rm -rf "$stage"; mkdir -p "$stage"
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"   # drag to install
dmg="$out/Trading-Terminal-${version}-${arch}.dmg"
rm -f "$dmg"
hdiutil create -volname "Trading Terminal" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg"
rm -rf "$stage"
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
fi
if [ -n "${NOTARY_PROFILE:-}" ]; then
  xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$dmg"
fi
echo "built $dmg"
