"""Backtesting: bar loading and checks, the event-driven engine and its broker, backtesting.py-equal statistics,
a vectorised path for signal strategies, optimisation, a kline history store and the CLI."""
from .data import DataError, load, load_csv, prepare
from .engine import BacktestResult, StrategyError, run_backtest
from .vectorised import run_signals, run_sma_cross

__all__ = ["DataError", "load", "load_csv", "prepare", "BacktestResult", "StrategyError", "run_backtest",
           "run_signals", "run_sma_cross"]
