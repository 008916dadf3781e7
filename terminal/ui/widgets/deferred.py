"""Dock content built when it is first needed, not before the window's first paint.

A dock tabbed behind another at start (the window's: News, Fundamentals, Feed health) holds an empty
placeholder: the layout, the View menu and a saved window state know the dock as usual. Its real widget is built
(and swapped in) the first time the dock becomes visible (the user raises its tab, a restored layout shows it), the
first time code reads it (``DeferredDocks.widget``: the session link binding it, a test), or with ``build_all``
(the app calls it once painted, in the idle time while it connects).
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import QDockWidget, QWidget


class DeferredDocks:
    def __init__(self) -> None:
        self._docks: dict[str, QDockWidget] = {}
        self._factories: dict[str, Callable[[], QWidget]] = {}
        self._built: dict[str, QWidget] = {}

    def add(self, name: str, dock: QDockWidget, factory: Callable[[], QWidget]) -> None:
        """``dock`` shows an empty placeholder until ``factory()`` builds its widget (once, when first needed)."""
        self._docks[name] = dock
        self._factories[name] = factory
        if dock.widget() is None:
            dock.setWidget(QWidget())
        dock.visibilityChanged.connect(lambda visible, n=name: self.widget(n) if visible else None)

    def built(self, name: str) -> bool:
        return name in self._built

    def widget(self, name: str) -> Any:
        """The dock's real widget, built and put in the dock now if it was not yet."""
        widget = self._built.get(name)
        if widget is None:
            widget = self._built[name] = self._factories.pop(name)()
            dock = self._docks[name]
            placeholder = dock.widget()
            dock.setWidget(widget)
            if placeholder is not None and placeholder is not widget:
                placeholder.deleteLater()
        return widget

    def build_all(self) -> None:
        """Every dock's widget (those not built yet)."""
        for name in list(self._factories):
            self.widget(name)


def deferred(name: str, doc: str) -> Any:
    """A window attribute that is the deferred dock ``name``'s widget (built when first read)."""
    return property(lambda window: window.deferred.widget(name), doc=doc)
