"""The app icon for the Windows and macOS builds, rendered from resources/icons/trading-terminal.svg with Qt:

    python packaging/icons.py packaging/out/icons
        -> trading-terminal.ico  (16-256 px, for the .exe and the installer)
           trading-terminal.icns (16-1024 px, for the .app bundle)

Both containers hold PNG images (read by Windows Vista+ and macOS 10.7+), so neither Pillow nor iconutil is needed
and the result is the same on every build machine. Linux uses the SVG as it is (hicolor/scalable).
"""
from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "trading-terminal.svg"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (the @2x types reuse the same pixels)
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"ic11", 32), (b"icp6", 64), (b"ic12", 64), (b"ic07", 128),
              (b"ic08", 256), (b"ic13", 256), (b"ic09", 512), (b"ic14", 512), (b"ic10", 1024))


def render_pngs(svg: Path, sizes: set[int]) -> dict[int, bytes]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - painting wants an application
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"icons: cannot read {svg}")
    out: dict[int, bytes] = {}
    for size in sorted(sizes):
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        out[size] = bytes(data.data())
    return out


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file: header, one 16-byte directory entry per image, then the PNG images."""
    sizes = sorted(pngs)
    offset = 6 + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(pngs[size]), offset + len(images))
        images += pngs[size]
    return struct.pack("<HHH", 0, 1, len(sizes)) + entries + images


def icns(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file: 'icns' + total length, then (type, length, PNG) elements; lengths include their 8-byte headers."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python packaging/icons.py OUTDIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    pngs = render_pngs(SVG, set(ICO_SIZES) | {size for _, size in ICNS_TYPES})
    (out / "trading-terminal.ico").write_bytes(ico({s: pngs[s] for s in ICO_SIZES}))
    (out / "trading-terminal.icns").write_bytes(icns(pngs))
    print(f"icons: {out / 'trading-terminal.ico'}, {out / 'trading-terminal.icns'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
