import asyncio
from decimal import Decimal

import terminal


async def main() -> None:
    session = await terminal.connect("sandbox")  # starts an embedded sandbox exchange on 127.0.0.1
    print("instruments:", ", ".join(sorted(session.instruments)))
    ticker = await session.ticker("BTCUSDT")
    print(f"BTCUSDT last {ticker.last} ({ticker.change_pct}% in 24 h)")
    bars = await session.klines("BTCUSDT", "1m", limit=60)  # pandas DataFrame, UTC index
    print(bars.tail(3))
    quote = await session.quote("BTCUSDT")
    price = session.instrument("BTCUSDT").snap_price(quote.bid * Decimal("0.95"), "down")
    order = await session.buy("BTCUSDT", "0.001", price=price)  # limit buy 5% below the market
    print("open orders:", [o.client_order_id for o in session.open_orders()])
    canceled = await session.cancel_order("BTCUSDT", order.client_order_id)
    print("limit order", canceled.status.name)
    filled = await session.buy("BTCUSDT", "0.001")  # no price: a market order
    print(f"market buy {filled.status.name}: {filled.filled_qty} BTC at {filled.avg_price:.2f}")
    for fill in await session.fills("BTCUSDT"):
        print(f"  fill {fill.trade_id}: {fill.side.name} {fill.qty} @ {fill.price}")
    print({asset: str(b.free) for asset, b in session.balances().items() if asset in ("BTC", "USDT")})
    await session.close()


asyncio.run(main())
