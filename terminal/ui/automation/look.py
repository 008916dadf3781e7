"""Theme hooks for the automation docks: style sheets only on widgets without tables under them."""
from __future__ import annotations

from PySide6.QtWidgets import QTableView, QTabWidget, QWidget

from .. import theme


def style(widget: QWidget, kind: str = "sheet") -> None:
    """``theme.style`` (re-applied on a theme switch) when the theme offers it; the application sheet otherwise."""
    fn = getattr(theme, "style", None)
    if fn is not None:
        fn(widget, kind)


def style_table(view: QTableView) -> None:
    style(view.horizontalHeader(), "header")
    style(view.verticalHeader(), "header")


def style_tabs(tabs: QTabWidget) -> None:
    style(tabs.tabBar(), "tabbar")
