"""Chart palettes (dark like TradingView/Binance, and light)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartPalette:
    name: str
    background: str
    panel: str  # toolbar / legend background
    text: str
    text_dim: str
    grid: str
    axis: str
    up: str
    down: str
    volume_alpha: int
    crosshair: str
    sma: str
    ema: str
    bollinger: str
    buy: str
    sell: str
    stop: str  # stop-loss order lines
    rsi: str
    macd: str
    signal: str  # MACD signal line

    def indicator(self, kind: str) -> str:
        """The theme's colour for an indicator kind (a user's choice overrides it)."""
        return {"sma": self.sma, "ema": self.ema, "bb": self.bollinger, "rsi": self.rsi, "macd": self.macd}[kind]


DARK = ChartPalette(
    name="dark", background="#131722", panel="#1e222d", text="#d1d4dc", text_dim="#787b86", grid="#1e2230",
    axis="#2a2e39", up="#26a69a", down="#ef5350", volume_alpha=110, crosshair="#9598a1",
    sma="#f7c948", ema="#2962ff", bollinger="#9c6ade", buy="#26a69a", sell="#ef5350", stop="#ff9800",
    rsi="#b388ff", macd="#2962ff", signal="#ff9800",
)

LIGHT = ChartPalette(
    name="light", background="#ffffff", panel="#f0f3fa", text="#131722", text_dim="#6a6d78", grid="#f0f2f6",
    axis="#d1d4dc", up="#089981", down="#f23645", volume_alpha=90, crosshair="#6a6d78",
    sma="#e08e0b", ema="#2962ff", bollinger="#7e57c2", buy="#089981", sell="#f23645", stop="#f57c00",
    rsi="#7e57c2", macd="#2962ff", signal="#f57c00",
)

PALETTES: dict[str, ChartPalette] = {"dark": DARK, "light": LIGHT}


def palette(name: str) -> ChartPalette:
    try:
        return PALETTES[name]
    except KeyError:
        raise ValueError(f"unknown chart theme {name!r} (expected one of {sorted(PALETTES)})") from None
