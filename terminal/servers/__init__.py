"""The paper servers of the providers other than Binance (whose sandbox is ``terminal.venues.sandbox``): one package
per wire protocol (``ib`` TWS socket API, ``kite`` Kite Connect REST + binary ticker, ``finnhub`` REST/WS,
``truedata`` feed), each a real loopback server on the shared ``terminal.sim`` matching engine and living market.

A server shares no wire code with the adapter that talks to it (import-linter checks it): a shared parser would hide a
protocol bug from both sides. Each package has ``cli.main(argv)`` for ``trading-terminal sandbox --venue NAME``.
"""
