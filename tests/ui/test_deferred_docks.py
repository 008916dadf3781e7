"""Start-up (issue 16 item 3): the docks tabbed behind others at start (News, Fundamentals, Feed health) hold an
empty placeholder until first shown or used; the window's layout is the same as with every dock built."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.test_theme_font import fresh_font  # noqa: F401 - a fixture

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

DEFERRED = {"news": "NewsWidget", "fundamentals": "FundamentalsWidget", "health": "HealthWidget"}


def shown(qtbot, tmp_path: Path, width: int = 1600, height: int = 1000, build_all: bool = False):
    from terminal.ui.mainwindow import MainWindow

    w = MainWindow(tmp_path)
    qtbot.addWidget(w)
    if build_all:
        w.deferred.build_all()
    w.resize(width, height)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.mark.parametrize("name", sorted(DEFERRED))
def test_dock_behind_a_tab_is_a_placeholder_until_raised_then_its_widget_is_built(qtbot, tmp_path, name) -> None:
    w = shown(qtbot, tmp_path)
    dock = w.docks[name]
    assert type(dock.widget()).__name__ != DEFERRED[name]  # not built at start
    assert not w.deferred.built(name)
    dock.raise_()  # the user clicks its tab
    qtbot.waitUntil(lambda: type(dock.widget()).__name__ == DEFERRED[name])
    assert getattr(w, name) is dock.widget() and dock.widget().isVisible()


def test_reading_a_deferred_widget_builds_it_into_its_dock(qtbot, tmp_path) -> None:
    w = shown(qtbot, tmp_path)
    news = w.news  # what the session link does when it binds the dock
    assert type(news).__name__ == "NewsWidget" and w.docks["news"].widget() is news
    assert w.news is news  # built once
    assert not w.deferred.built("fundamentals")


def test_deferred_dock_in_front_in_a_saved_layout_is_built_when_the_window_shows(qtbot, tmp_path) -> None:
    first = shown(qtbot, tmp_path)
    first.docks["fundamentals"].raise_()
    qtbot.waitUntil(lambda: first.deferred.built("fundamentals"))
    first.close()  # saves the layout
    again = shown(qtbot, tmp_path)
    qtbot.waitUntil(lambda: again.deferred.built("fundamentals"))
    assert again.docks["fundamentals"].widget() is again.fundamentals and again.fundamentals.isVisible()
    assert not again.deferred.built("news")


def test_feed_health_is_built_by_the_first_connection_event_and_flushed_by_the_bridge(qtbot, tmp_path) -> None:
    from terminal import model as m

    w = shown(qtbot, tmp_path)
    assert not w.deferred.built("health")
    w.bridge.connections.emit([m.ConnectionChanged("market", False, "dropped")])
    assert w.deferred.built("health") and w.docks["health"].widget() is w.health
    flushed: list[bool] = []
    w.health.model.flush = lambda: flushed.append(True)  # type: ignore[method-assign]
    qtbot.waitUntil(lambda: bool(flushed))  # the bridge's frame timer drives the built widget


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 720)])
def test_window_layout_is_the_same_as_with_every_dock_built(qtbot, tmp_path, size) -> None:
    deferred = shown(qtbot, tmp_path / "a", *size)
    built = shown(qtbot, tmp_path / "b", *size, build_all=True)

    def layout(w):  # the docks in front (the others are parked off the window)
        qtbot.waitUntil(lambda: w.docks["chart"].width() > 0)
        return {n: d.geometry().getRect() for n, d in w.docks.items() if d.geometry().top() >= 0}

    qtbot.waitUntil(lambda: layout(deferred) == layout(built))
    assert set(layout(built)) >= {"watchlist", "chart", "book", "order_entry", "blotters", "log"}
    for name in DEFERRED:
        deferred.docks[name].raise_()
        built.docks[name].raise_()
        qtbot.waitUntil(lambda: deferred.docks[name].geometry() == built.docks[name].geometry())


def test_deferred_dock_opened_later_looks_like_one_built_with_the_first_window(qtbot, tmp_path, fresh_font) -> None:
    """Pixel for pixel: the first window of a process (Qt's font before the theme) with every dock built at start,
    and a window whose deferred docks are built when their tabs are raised."""
    built = shown(qtbot, tmp_path / "a", build_all=True)
    later = shown(qtbot, tmp_path / "b")
    for name in DEFERRED:
        for w in (built, later):
            w.docks[name].raise_()
        qtbot.waitUntil(lambda: later.deferred.built(name) and later.docks[name].widget().isVisible()
                        and later.docks[name].geometry() == built.docks[name].geometry())
        # (the dock built a moment ago lays its content out from the event loop)
        qtbot.waitUntil(lambda: later.docks[name].grab().toImage() == built.docks[name].grab().toImage(),
                        timeout=3000)
