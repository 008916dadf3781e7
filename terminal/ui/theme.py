"""Dark and light themes: a QPalette, a small style sheet, and the trading colours."""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget


@dataclass(frozen=True)
class Colors:
    name: str
    window: str
    base: str
    alt_base: str
    panel: str
    text: str
    muted: str
    border: str
    accent: str
    up: str
    down: str
    up_bg: str
    down_bg: str
    flash_up: str
    flash_down: str
    warn: str


DARK = Colors("dark", window="#0b0e11", base="#12161c", alt_base="#161a21", panel="#181c24", text="#eaecef",
              muted="#848e9c", border="#2b3139", accent="#f0b90b", up="#0ecb81", down="#f6465d",
              up_bg="#0f2a22", down_bg="#2e1a1f", flash_up="#14563f", flash_down="#5f2330", warn="#f0b90b")
LIGHT = Colors("light", window="#f5f5f5", base="#ffffff", alt_base="#fafafa", panel="#eef0f3", text="#1e2329",
               muted="#707a8a", border="#d5d9de", accent="#c99400", up="#03a66d", down="#cf304a",
               up_bg="#e6f6ef", down_bg="#fbe9ec", flash_up="#b7ebd5", flash_down="#f5c4cd", warn="#b07d00")
THEMES = {"dark": DARK, "light": LIGHT}

_current: Colors = DARK


def colors() -> Colors:
    return _current


def palette(c: Colors) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    for r, v in ((role.Window, c.window), (role.WindowText, c.text), (role.Base, c.base),
                 (role.AlternateBase, c.alt_base), (role.Text, c.text), (role.Button, c.panel),
                 (role.ButtonText, c.text), (role.ToolTipBase, c.panel), (role.ToolTipText, c.text),
                 (role.Highlight, "#2a3a55" if c.name == "dark" else "#cfe0fb"),
                 (role.HighlightedText, c.text), (role.PlaceholderText, c.muted), (role.Link, c.accent),
                 (role.BrightText, c.down), (role.Mid, c.border), (role.Dark, c.border), (role.Light, c.panel)):
        p.setColor(r, QColor(v))
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor(c.muted))
    return p


def stylesheet(c: Colors) -> str:
    return f"""
QMainWindow::separator {{ background: {c.border}; width: 2px; height: 2px; }}
QDockWidget {{ color: {c.muted}; font-weight: 600; }}
QDockWidget::title {{ background: {c.panel}; padding: 4px 8px; border-bottom: 1px solid {c.border}; }}
QTableView {{ background: {c.base}; alternate-background-color: {c.alt_base}; gridline-color: {c.border};
             border: none; selection-background-color: {"#2a3a55" if c.name == "dark" else "#cfe0fb"}; }}
QHeaderView::section {{ background: {c.panel}; color: {c.muted}; border: none;
                        border-bottom: 1px solid {c.border}; padding: 3px 6px; font-weight: 600; }}
QTabWidget::pane {{ border: none; border-top: 1px solid {c.border}; }}
QTabBar::tab {{ background: transparent; color: {c.muted}; padding: 5px 12px; border: none; }}
QTabBar::tab:selected {{ color: {c.text}; border-bottom: 2px solid {c.accent}; }}
QLineEdit, QComboBox, QDoubleSpinBox, QSpinBox {{ background: {c.alt_base}; border: 1px solid {c.border};
             border-radius: 3px; padding: 3px 6px; color: {c.text}; }}
QLineEdit:focus, QComboBox:focus {{ border-color: {c.accent}; }}
QLineEdit[invalid="true"] {{ border-color: {c.down}; }}
QLineEdit:disabled, QComboBox:disabled, QDoubleSpinBox:disabled, QSpinBox:disabled {{ background: {c.window};
             color: {c.muted}; border: 1px dashed {c.border}; }}
QPushButton {{ background: {c.panel}; border: 1px solid {c.border}; border-radius: 3px; padding: 4px 12px; }}
QPushButton:hover {{ border-color: {c.muted}; }}
QPushButton:disabled {{ color: {c.muted}; background: {c.window}; border-style: dashed; }}
QLabel:disabled, QCheckBox:disabled {{ color: {c.muted}; }}
QPushButton#buy, QPushButton#buyTab:checked {{ background: {c.up}; color: white; border: none; font-weight: 700; }}
QPushButton#sell, QPushButton#sellTab:checked {{ background: {c.down}; color: white; border: none; font-weight: 700; }}
QPushButton#buy:disabled, QPushButton#sell:disabled {{ background: {c.border}; color: {c.muted}; }}
QPushButton#buyTab, QPushButton#sellTab {{ padding: 6px; font-weight: 700; }}
QLabel#fieldError {{ color: {c.down}; font-size: 11px; }}
QLabel#muted {{ color: {c.muted}; }}
QLabel#envSANDBOX {{ background: {c.accent}; color: #000; font-weight: 700; padding: 1px 8px; border-radius: 2px; }}
QLabel#envTESTNET {{ background: #3d7eff; color: white; font-weight: 700; padding: 1px 8px; border-radius: 2px; }}
QLabel#envLIVE {{ background: #e02424; color: white; font-weight: 800; padding: 1px 10px; border-radius: 2px; }}
QLabel#connOk {{ color: {c.up}; }}
QLabel#connBad {{ color: {c.down}; font-weight: 700; }}
QLabel#connWait {{ color: {c.warn}; }}
QStatusBar {{ background: {c.panel}; border-top: 1px solid {c.border}; }}
QStatusBar QLabel {{ padding: 0 6px; }}
QMenuBar {{ background: {c.panel}; }}
QToolTip {{ background: {c.panel}; color: {c.text}; border: 1px solid {c.border}; }}
"""


def header_sheet(c: Colors) -> str:
    return (f"QHeaderView::section {{ background: {c.panel}; color: {c.muted}; border: none;"
            f" border-bottom: 1px solid {c.border}; padding: 3px 6px; font-weight: 600; }}"
            f" QHeaderView {{ background: {c.panel}; }}")


def tabbar_sheet(c: Colors) -> str:
    return (f"QTabBar::tab {{ background: transparent; color: {c.muted}; padding: 5px 12px; border: none; }}"
            f" QTabBar::tab:selected {{ color: {c.text}; border-bottom: 2px solid {c.accent}; }}")


#: Widgets styled by a sheet, re-styled on a theme switch. The application itself gets NO style sheet: under a
#: style sheet every table cell is painted through QStyleSheetStyle (measured ~60% slower per cell), so sheets
#: are set only on widgets that are not ancestors of a table (order entry, status bar, headers, tab bars, labels).
_styled: "weakref.WeakKeyDictionary[QWidget, str]" = weakref.WeakKeyDictionary()
_SHEETS = {"sheet": stylesheet, "header": header_sheet, "tabbar": tabbar_sheet}


def style(widget: QWidget, kind: str = "sheet") -> None:
    """Give ``widget`` the theme's sheet of ``kind``: sheet, header, tabbar, or a colour name (muted, down...)."""
    _styled[widget] = kind
    _style_one(widget, kind)


def _style_one(widget: QWidget, kind: str) -> None:
    try:
        if kind == "palette":  # the theme's palette set explicitly (item views inside tab widgets)
            widget.setPalette(palette(_current))
            return
        fn = _SHEETS.get(kind)
        widget.setStyleSheet(fn(_current) if fn else f"color: {getattr(_current, kind)};")
    except RuntimeError:  # the C++ object is gone
        _styled.pop(widget, None)


class FusionStyle(QProxyStyle):
    """Qt's Fusion style, with the docks' title-bar icons (close, float) made once. Fusion makes each anew at every
    call, reading its six PNG files (one per size), and a dock asks for both at each layout pass (its buttons'
    sizes): about 40 us a call, 180 calls before the window's first paint, and again at every resize. Only the
    icons are cached: everything else is Fusion's (the style's other calls do not reach Python)."""

    CACHED = (QStyle.StandardPixmap.SP_TitleBarCloseButton, QStyle.StandardPixmap.SP_TitleBarNormalButton)

    def __init__(self) -> None:
        super().__init__("fusion")
        self._icons: dict[QStyle.StandardPixmap, QIcon] = {}

    def standardIcon(self, icon: QStyle.StandardPixmap, option: QStyleOption | None = None,  # noqa: N802 - Qt's
                     widget: QWidget | None = None) -> QIcon:
        if icon not in self.CACHED:  # (these two are files: neither the option nor the widget changes them)
            return super().standardIcon(icon, option, widget)
        made = self._icons.get(icon)
        if made is None:
            made = self._icons[icon] = super().standardIcon(icon, option, widget)
        return made


def _repropagate(app: QApplication) -> None:
    """The new application palette in every widget, parents first. Qt tells the widgets in no particular order (and
    not at all before its event loop has started); a widget takes its parent's palette, and a parent passes a
    change on to its children except those that use a style sheet (WA_StyleSheet: widgets with a sheet above or in
    them). Such a widget told before its parent kept the old palette with everything in it (the blotters after a
    switch to light: a dark box in their corner)."""
    event = QEvent(QEvent.Type.ApplicationPaletteChange)
    pending = list(app.topLevelWidgets())
    for window in pending:
        QApplication.sendEvent(window, event)
    while pending:
        widget = pending.pop()
        try:
            children = widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
        except RuntimeError:  # gone meanwhile
            continue
        for child in children:
            if not child.isWindow():
                QApplication.sendEvent(child, event)
                pending.append(child)


def apply(app: QApplication, name: str) -> Colors:
    """Apply a theme to the whole application (palette, font, the styled widgets); returns its colours.

    Only what differs is set: ``setStyle`` replaces (and deletes) the application's style and re-polishes every
    widget, ``setPalette``/``setFont`` send a change event to every widget; doing that again for each new window
    (or test) walked widgets being torn down: a segfault seen twice in a test run."""
    global _current
    _current = THEMES.get(name, DARK)
    if not isinstance(app.style(), FusionStyle):
        app.setStyle(FusionStyle())  # (the application owns it)
    wanted = palette(_current)
    if app.palette() != wanted:
        app.setPalette(wanted)
        _repropagate(app)
    if app.font().pointSizeF() != 9.5:
        font = QFont(app.font())
        font.setPointSizeF(9.5)
        app.setFont(font)
    for widget, kind in list(_styled.items()):
        _style_one(widget, kind)
    return _current
