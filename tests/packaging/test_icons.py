"""packaging/icons.py: the .ico and .icns of the Windows and macOS builds, read back with Qt's own image readers."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PySide6.QtGui import QImageReader

PATH = Path(__file__).resolve().parents[2] / "packaging" / "icons.py"
spec = importlib.util.spec_from_file_location("icons", PATH)
assert spec is not None and spec.loader is not None
icons = importlib.util.module_from_spec(spec)
spec.loader.exec_module(icons)


def read_all(path: Path, fmt: bytes) -> list:
    reader = QImageReader(str(path), fmt)
    images = []
    for i in range(reader.imageCount()):
        assert reader.jumpToImage(i)
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        images.append(image)
    return images


def opaque_share(image) -> float:
    w, h = image.width(), image.height()
    return sum(image.pixelColor(x, y).alpha() > 0 for x in range(0, w, 4) for y in range(0, h, 4)) / (
        len(range(0, w, 4)) * len(range(0, h, 4)))


@pytest.mark.gui
def test_icons_writes_an_ico_and_an_icns_of_every_size_that_qt_reads_back(qapp, tmp_path):
    assert icons.main([str(tmp_path)]) == 0
    ico = read_all(tmp_path / "trading-terminal.ico", b"ico")
    assert [i.width() for i in ico] == list(icons.ICO_SIZES) and all(i.width() == i.height() for i in ico)
    icns = read_all(tmp_path / "trading-terminal.icns", b"icns")
    assert [i.width() for i in icns] == [size for _, size in icons.ICNS_TYPES]
    assert opaque_share(ico[-1]) > 0.3 and opaque_share(icns[-1]) > 0.3  # the drawing, not an empty square


def test_ico_directory_points_at_each_png():
    pngs = {16: b"\x89PNG-a", 256: b"\x89PNG-bb"}
    data = icons.ico(pngs)
    assert data[:6] == b"\0\0\1\0\2\0"
    # entry 2: width/height 0 (= 256), 7 bytes at offset 6 + 2*16 + 6
    assert data[22:24] == b"\0\0" and data[22 + 8:22 + 16] == (7).to_bytes(4, "little") + (44).to_bytes(4, "little")
    assert data[38:44] == b"\x89PNG-a" and data[44:] == b"\x89PNG-bb"
