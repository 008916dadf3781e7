"""The parity report as one self-contained HTML page (inline CSS, no script, no external asset): the verdict, the
first divergence and its reason, final equity of each side, fill price differences and slippage, and the decisions
side by side (time, side, quantity, price: backtest vs live)."""
from __future__ import annotations

import html
from decimal import Decimal
from pathlib import Path

import pandas as pd

from .parity import Decision, ParityResult

CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1d232a;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#5a6570}.ok{color:#0a7a32;font-weight:600}.bad{color:#b3261e;font-weight:600}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d5dbe1;padding:3px 8px;text-align:right}th{background:#f1f4f7}
td.l,th.l{text-align:left}tr.diff td{background:#fdecea}
.cards{display:flex;gap:16px;flex-wrap:wrap}.card{border:1px solid #d5dbe1;border-radius:6px;padding:8px 14px}
.card b{display:block;font-size:18px}
"""


def _t(ms: int) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").strftime("%Y-%m-%d %H:%M")


def _n(x: Decimal | None) -> str:
    return "" if x is None else html.escape(format(x.normalize() if x == x.to_integral() else x, "f"))


def _cells(d: Decision | None) -> str:
    if d is None:
        return '<td class="l">—</td><td class="l"></td><td></td><td></td>'
    return f'<td class="l">{_t(d.time_ms)}</td><td class="l">{d.side}</td><td>{_n(d.qty)}</td><td>{_n(d.price)}</td>'


def _avg(values: list[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None


def render(result: ParityResult) -> str:
    r = result
    e = html.escape
    verdict = ('<span class="ok">same decisions</span>' if r.same_decisions
               else '<span class="bad">the decisions differ</span>')
    diffs = [row.price_diff for row in r.rows if row.price_diff is not None]
    slip_bt = _avg([d.slippage for d in r.backtest])
    slip_live = _avg([d.slippage for d in r.live])
    params = ", ".join(f"{k}={v}" for k, v in r.params.items())
    rows = []
    for row in r.rows:
        cls = "" if row.same else ' class="diff"'
        rows.append(f"<tr{cls}><td>{row.n}</td>{_cells(row.backtest)}{_cells(row.live)}"
                    f"<td>{_n(row.price_diff)}</td><td>{_n(row.backtest.slippage if row.backtest else None)}</td>"
                    f"<td>{_n(row.live.slippage if row.live else None)}</td></tr>")
    data_note = ("" if not r.data_differences else
                 f"<h2>Bars the sandbox served differently ({len(r.data_differences)})</h2><ul>"
                 + "".join(f"<li>{e(x)}</li>" for x in r.data_differences[:20]) + "</ul>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Parity: {e(r.strategy)} on {e(r.symbol)}</title>
<style>{CSS}</style></head><body>
<h1>Parity: {e(r.strategy)} ({e(params)}) on {e(r.symbol)}</h1>
<p class="meta">{r.bars} bars of 1m, {_t(r.start_ms)} to {_t(r.end_ms)} UTC · cash {_n(r.cash)} · commission {_n(r.commission)}
per side · backtest: the backtester on the data; live: a StrategyRunner on the bars the sandbox served (its kline
replay of the same data), at maximum speed, market orders filled at the next bar's open.</p>
<p>Verdict: {verdict} · first divergence: <b id="first-divergence">{e(r.first_divergence)}</b></p>
<div class="cards">
<div class="card">Backtest final equity<b id="backtest-equity">{_n(r.backtest_equity.quantize(Decimal("0.01")))}</b></div>
<div class="card">Live final equity<b id="live-equity">{_n(r.live_equity.quantize(Decimal("0.01")))}</b></div>
<div class="card">Decisions (backtest / live)<b>{len(r.backtest)} / {len(r.live)}</b></div>
<div class="card">Largest fill price difference<b>{_n(max((abs(d) for d in diffs), default=Decimal(0)))}</b></div>
<div class="card">Average slippage (backtest / live)<b>{_n(slip_bt)} / {_n(slip_live)}</b></div>
</div>
<h2>Decisions side by side</h2>
<table id="decisions"><thead><tr><th rowspan="2">#</th><th colspan="4">Backtest</th><th colspan="4">Live (sandbox)</th>
<th rowspan="2">Price diff (live − backtest)</th><th colspan="2">Slippage vs the decision bar's close</th></tr>
<tr><th class="l">Time (UTC)</th><th class="l">Side</th><th>Qty</th><th>Price</th><th class="l">Time (UTC)</th>
<th class="l">Side</th><th>Qty</th><th>Price</th><th>Backtest</th><th>Live</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
{data_note}
</body></html>
"""


def write_report(result: ParityResult, path: str | Path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(result), encoding="utf-8")
    return out
