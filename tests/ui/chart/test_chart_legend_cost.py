"""What a live candle's new legend text costs (issue 16, item 2): only the pieces of markup not seen before are
parsed; the result is the whole parse's."""
from __future__ import annotations

import html

import pytest

from terminal.ui.chart import legend

pytestmark = pytest.mark.gui


def _markup(close: float) -> str:
    fields = "&nbsp;&nbsp;".join(f"<span style='color:#787b86'>{name}</span>&nbsp;<span style='color:#26a69a'>{v:,.2f}"
                                 "</span>" for name, v in (("O", 43_100.0), ("H", 43_180.5), ("L", 43_050.25),
                                                           ("C", close)))
    return ("<b style='color:#d1d4dc'>BTCUSDT</b>&nbsp;<span style='color:#787b86'>·&nbsp;1m</span>&nbsp;&nbsp;"
            f"{fields}<br><span style='color:#2962ff'>EMA 20</span>&nbsp;"
            "<span style='color:#2962ff'>43,101.20</span>&amp;")


def test_a_new_close_parses_only_its_own_piece_of_the_legend(monkeypatch):
    legend.parse(_markup(43_120.0))
    unescaped: list[str] = []
    original = html.unescape

    def counted(s: str) -> str:
        unescaped.append(s)
        return original(s)
    monkeypatch.setattr(html, "unescape", counted)
    lines = legend.parse(_markup(43_121.75))
    assert unescaped == ["43,121.75"]  # the new close; every label and unchanged value was looked up
    assert [[(r.text, r.color, r.bold) for r in line] for line in lines] == [
        [("BTCUSDT", "#d1d4dc", True), ("\xa0", "", False), ("·\xa01m", "#787b86", False), ("\xa0\xa0", "", False),
         ("O", "#787b86", False), ("\xa0", "", False), ("43,100.00", "#26a69a", False), ("\xa0\xa0", "", False),
         ("H", "#787b86", False), ("\xa0", "", False), ("43,180.50", "#26a69a", False), ("\xa0\xa0", "", False),
         ("L", "#787b86", False), ("\xa0", "", False), ("43,050.25", "#26a69a", False), ("\xa0\xa0", "", False),
         ("C", "#787b86", False), ("\xa0", "", False), ("43,121.75", "#26a69a", False)],
        [("EMA 20", "#2962ff", False), ("\xa0", "", False), ("43,101.20", "#2962ff", False), ("&", "", False)]]


def test_the_kept_pieces_give_the_parse_of_markup_never_seen(monkeypatch):
    text = "<b>a</b><br>x&lt;y<i>i</i><span style='color:#fff'>&amp;</span><br/>tail<"
    first = legend.parse(text)
    monkeypatch.setattr(legend, "_pieces", {})
    assert legend.parse(text) == first
    assert ["".join(r.text for r in line) for line in first] == ["a", "x<y<i>i</i>&", "tail<"]
