"""Mouse and pixel helpers for chart tests: events go to the plot's viewport like a user's, at scene positions
mapped from (time, price)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication


def pixels(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine()).copy()  # own the bytes
    return arr[:, : img.width() * 4].reshape(img.height(), img.width(), 4)[:, :, 2::-1]  # BGRA -> RGB


def count_color(arr: np.ndarray, color: str, tol: int = 6) -> int:
    c = QColor(color)
    target = np.array([c.red(), c.green(), c.blue()], dtype=np.int16)
    return int((np.abs(arr.astype(np.int16) - target).max(axis=2) <= tol).sum())


def send_mouse(widget, kind: QEvent.Type, pos: QPoint | QPointF, buttons=Qt.MouseButton.NoButton,
               button=None) -> None:
    """Deliver a mouse event straight to the widget (works offscreen without showing a window)."""
    if button is None:
        button = buttons if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    pos = QPointF(pos)
    event = QMouseEvent(kind, pos, QPointF(widget.mapToGlobal(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def press(widget, pos, button=Qt.MouseButton.LeftButton) -> None:
    send_mouse(widget, QEvent.Type.MouseMove, pos)  # hover first, as a real pointer does
    send_mouse(widget, QEvent.Type.MouseButtonPress, pos, button)


def move(widget, pos, button=Qt.MouseButton.LeftButton) -> None:
    send_mouse(widget, QEvent.Type.MouseMove, pos, button)


def release(widget, pos, button=Qt.MouseButton.LeftButton) -> None:
    send_mouse(widget, QEvent.Type.MouseButtonRelease, pos, Qt.MouseButton.NoButton, button)


def click(widget, pos, button=Qt.MouseButton.LeftButton) -> None:
    press(widget, pos, button)
    release(widget, pos, button)


def double_click(widget, pos, button=Qt.MouseButton.LeftButton) -> None:
    """What a window system delivers for a double click: press, release, double-click (the second press), release."""
    click(widget, pos, button)
    send_mouse(widget, QEvent.Type.MouseButtonDblClick, pos, button)
    release(widget, pos, button)


def drag(widget, start: QPoint, end: QPoint, steps: int = 8) -> None:
    left = Qt.MouseButton.LeftButton
    press(widget, start, left)
    for k in range(1, steps + 1):
        move(widget, QPointF(start) + (QPointF(end) - QPointF(start)) * k / steps, left)
    release(widget, end, left)


def view_point(chart, t_seconds: float, price: float) -> QPointF:
    """Viewport position of (time, price) on the price plot."""
    scene = chart.price_plot.vb.mapViewToScene(QPointF(t_seconds, price))
    return QPointF(chart.view.mapFromScene(scene))


def price_point(chart, price: float, x_frac: float = 0.4) -> QPointF:
    """Viewport position of ``price`` at ``x_frac`` of the plot's width (left of the order tags)."""
    (x0, x1), _ = chart.price_plot.vb.viewRange()
    return view_point(chart, x0 + (x1 - x0) * x_frac, price)


def item_point(chart, item_pos: QPointF) -> QPointF:
    """Viewport position of a point in the order overlay's (the ViewBox's pixel) coordinates."""
    scene = chart.order_lines.mapToScene(item_pos)
    return QPointF(chart.view.mapFromScene(scene))
