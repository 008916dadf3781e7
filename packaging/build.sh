#!/usr/bin/env bash
# Build the installer: a PyInstaller one-folder app wrapped in a .deb (Debian/Ubuntu).
#   bash packaging/build.sh          -> packaging/out/trading-terminal_<version>_amd64.deb
# Needs: python3 with venv, dpkg-deb. Uses its own build venv (packaging/out/venv).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"; out="$here/out"
version=$(python3 -c "import tomllib;print(tomllib.load(open('$root/pyproject.toml','rb'))['project']['version'])")
arch=$(dpkg --print-architecture)
mkdir -p "$out"
if [ ! -x "$out/venv/bin/python" ]; then python3 -m venv "$out/venv"; fi
"$out/venv/bin/pip" install -q "$root" "pyinstaller==6.22.3"
rm -rf "$out/dist" "$out/build"
"$out/venv/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$out/dist" --workpath "$out/build" "$here/trading-terminal.spec"

pkg="$out/pkgroot"; rm -rf "$pkg"
mkdir -p "$pkg/DEBIAN" "$pkg/opt" "$pkg/usr/bin" "$pkg/usr/share/applications" \
         "$pkg/usr/share/icons/hicolor/scalable/apps"
cp -a "$out/dist/trading-terminal" "$pkg/opt/trading-terminal"
ln -s /opt/trading-terminal/trading-terminal "$pkg/usr/bin/trading-terminal"
install -m 644 "$here/trading-terminal.desktop" "$pkg/usr/share/applications/"
install -m 644 "$root/resources/icons/trading-terminal.svg" "$pkg/usr/share/icons/hicolor/scalable/apps/"
size=$(du -sk "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$here/deb/control.in" > "$pkg/DEBIAN/control"
deb="$out/trading-terminal_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zzstd --build "$pkg" "$deb" >/dev/null
echo "built $deb ($(du -h "$deb" | cut -f1))"
