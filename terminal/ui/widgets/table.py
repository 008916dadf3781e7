"""A compact, read-only QTableView with the terminal's defaults."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHeaderView, QTableView, QWidget

from .. import theme


def make_table(parent: QWidget | None = None, stretch_last: bool = True,
               view_class: type[QTableView] = QTableView) -> QTableView:
    v = view_class(parent)
    v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    v.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    v.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    v.setShowGrid(False)
    v.setAlternatingRowColors(False)
    v.setWordWrap(False)
    v.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    v.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    v.verticalHeader().setVisible(False)
    v.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    v.verticalHeader().setDefaultSectionSize(22)
    h = v.horizontalHeader()
    h.setHighlightSections(False)
    h.setStretchLastSection(stretch_last)
    h.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    h.setMinimumSectionSize(40)
    v.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    v.setFrameShape(QFrame.Shape.NoFrame)
    theme.style(v, "palette")
    theme.style(h, "header")  # the header only: a sheet on the table would slow every cell
    return v
