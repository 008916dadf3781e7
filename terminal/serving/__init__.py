"""What every paper server shares to run, and nothing of any wire protocol: its own thread and event loop
(``runtime``) and its command line (``cli``). Neutral ground: it imports no server and no adapter, so the Binance
sandbox (``venues/sandbox``) and the other paper servers (``servers/``) can all stand on it."""
