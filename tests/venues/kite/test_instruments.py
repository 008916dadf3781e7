"""The instruments dump parsed into Instruments, the symbol rule, lot sizes, the daily cache and the search."""
from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

from terminal.model import AssetClass, OptionRight, OrderType, OrderValidationError, Side
from terminal.venues.kite.instruments import DumpCache, parse_dump, query_words

D = Decimal
HEADER = "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size," \
         "instrument_type,segment,exchange"
ROWS = """408065,1594,INFY,INFOSYS,0,,0,0.05,1,EQ,NSE,NSE
500209,1954,INFY,INFOSYS,0,,0,0.05,1,EQ,BSE,BSE
779521,3045,SBIN,STATE BANK OF INDIA,0,,0,0.05,1,EQ,NSE,NSE
256265,1001,NIFTY 50,NIFTY 50,0,,0,0,0,EQ,INDICES,NSE
8960258,35001,NIFTY24DECFUT,NIFTY,0,2024-12-26,0,0.1,75,FUT,NFO-FUT,NFO
8960259,35002,NIFTY25JANFUT,NIFTY,0,2025-01-30,0,0.1,75,FUT,NFO-FUT,NFO
8960514,35003,NIFTY24DEC24000CE,NIFTY,0,2024-12-26,24000,0.05,75,CE,NFO-OPT,NFO
8960770,35004,NIFTY24DEC24000PE,NIFTY,0,2024-12-26,24000,0.05,75,PE,NFO-OPT,NFO
8961000,35010,BANKNIFTY24DECFUT,BANKNIFTY,0,2024-12-24,0,0.2,30,FUT,NFO-FUT,NFO
8960000,35000,NIFTY24NOVFUT,NIFTY,0,2024-11-28,0,0.1,75,FUT,NFO-FUT,NFO
412675,1612,USDINR24DECFUT,USDINR,0,2024-12-27,0,0.0025,1,FUT,CDS-FUT,CDS
bad,row,without,a,token,,0,0.05,1,EQ,NSE,NSE
"""
TEXT = HEADER + "\n" + ROWS


def catalog():
    return parse_dump(TEXT, today=date(2024, 12, 5))


def test_rows_become_instruments_with_lots_ticks_and_contract_terms():
    cat = catalog()
    infy = cat.instruments["INFY"]
    assert (infy.asset_class, infy.exchange, infy.segment, infy.quote_asset) == (AssetClass.EQUITY, "NSE", "NSE", "INR")
    assert (infy.tick_size, infy.step_size, infy.venue, infy.venue_id) == (D("0.05"), D(1), "kite", "408065")
    fut = cat.instruments["NIFTY24DECFUT"]
    assert (fut.asset_class, fut.expiry, fut.step_size, fut.min_qty) == (AssetClass.FUTURE, date(2024, 12, 26), D(75),
                                                                          D(75))
    assert fut.multiplier == 1 and fut.base_asset == "NIFTY" and fut.tick_size == D("0.1")
    ce = cat.instruments["NIFTY24DEC24000CE"]
    assert (ce.asset_class, ce.strike, ce.right) == (AssetClass.OPTION, D(24000), OptionRight.CALL)
    index = cat.instruments["NIFTY 50"]
    assert index.asset_class is AssetClass.INDEX and not index.order_types
    assert cat.instruments["USDINR24DECFUT"].tick_size == D("0.0025")


def test_second_listing_of_a_tradingsymbol_is_exchange_prefixed_and_lookups_take_every_form():
    cat = catalog()
    assert cat.instruments["BSE:INFY"].exchange == "BSE"
    assert cat.find("NSE:INFY") == "INFY" and cat.find("BSE:INFY") == "BSE:INFY" and cat.find(500209) == "BSE:INFY"
    assert cat.listing("INFY").token == 408065 and cat.symbol_of("NFO", "NIFTY24DECFUT") == "NIFTY24DECFUT"
    assert cat.symbol_of("NSE", "UNLISTED") == "NSE:UNLISTED"


def test_unreadable_rows_are_skipped_and_expired_contracts_left_out():
    cat = catalog()
    assert "NIFTY24NOVFUT" not in cat.instruments  # expired 2024-11-28
    assert "without" not in cat.instruments and len(cat) == 10


def test_part_of_a_lot_is_refused_by_the_instrument_before_sending():
    fut = catalog().instruments["NIFTY24DECFUT"]
    fut.validate_order(Side.BUY, OrderType.MARKET, D(150))
    try:
        fut.validate_order(Side.BUY, OrderType.MARKET, D(50))
    except OrderValidationError as exc:
        assert exc.filter == "LOT_SIZE" and "75" in str(exc)
    else:
        raise AssertionError("50 of a 75 lot was accepted")


def test_search_as_people_type_it():
    cat = catalog()
    for text in ("NIFTY 24 DEC FUT", "nifty dec 2024 fut", "NIFTY24DECFUT", "nifty december 24 fut", "NIFTY24 DECFUT"):
        assert [i.symbol for i in cat.search(text)][:1] == ["NIFTY24DECFUT"], text
    assert [i.symbol for i in cat.search("NIFTY 24 DEC 24000 CE")] == ["NIFTY24DEC24000CE"]
    assert cat.search("infosys")[0].symbol == "INFY"  # by name; NSE before BSE
    assert cat.search("nifty")[0].symbol == "NIFTY 50"  # the index before the derivatives
    assert cat.search("NIFTY FUT")[0].symbol == "NIFTY24DECFUT"  # nearest expiry, before BANKNIFTY's
    assert cat.search("") == [] and query_words("Dec 2024") == ["DEC", "24"]


def test_search_of_a_dump_of_about_a_hundred_thousand_rows(capsys):
    lines = [HEADER]
    months = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    token = 100_000
    for u in range(100):
        name = f"STOCK{u:03d}"
        lines.append(f"{token * 256 + 1},{token},{name},{name} LIMITED,0,,0,0.05,1,EQ,NSE,NSE")
        token += 1
        for m, mon in enumerate(months):
            for strike in range(40):
                for kind in ("CE", "PE"):
                    sym = f"{name}25{mon}{1000 + strike * 10}{kind}"
                    lines.append(f"{token * 256 + 2},{token},{sym},{name},0,2025-{m + 1:02d}-25,{1000 + strike * 10},"
                                 f"0.05,500,{kind},NFO-OPT,NFO")
                    token += 1
    lines.append(f"{token * 256 + 2},{token},NIFTY25DECFUT,NIFTY,0,2025-12-24,0,0.1,75,FUT,NFO-FUT,NFO")
    t0 = time.perf_counter()
    cat = parse_dump("\n".join(lines), today=date(2024, 12, 5))
    parsed = time.perf_counter() - t0
    t0 = time.perf_counter()
    found = cat.search("NIFTY 25 DEC FUT")
    searched = time.perf_counter() - t0
    assert len(cat) == 96_101 and found[0].symbol == "NIFTY25DECFUT"
    assert cat.search("stock007 25 mar 1100 pe")[0].symbol == "STOCK00725MAR1100PE"
    with capsys.disabled():
        print(f"\nkite dump: {len(cat)} rows parsed in {parsed:.2f}s; search 'NIFTY 25 DEC FUT' in "
              f"{searched * 1000:.0f} ms")


def test_dump_cache_keeps_one_file_per_day(tmp_path):
    cache = DumpCache(tmp_path, "live")
    assert cache.load(date(2024, 12, 5)) is None
    cache.store(date(2024, 12, 4), "old")
    cache.store(date(2024, 12, 5), TEXT)
    assert cache.load(date(2024, 12, 5)) == TEXT
    assert cache.load(date(2024, 12, 4)) is None
    assert [p.name for p in tmp_path.iterdir()] == ["kite-instruments-live-2024-12-05.csv"]


async def test_the_cached_dump_is_read_off_the_event_loop(kite_server, tmp_path):
    """A second start reads today's dump from the cache file on a worker thread, never on the loop (the app's GUI
    thread): the file read is observed where it runs."""
    import threading

    from terminal.venues.kite import create

    first = create("sandbox", credentials=kite_server.builtin_credentials(), settle_ms=0, cache_dir=tmp_path,
                   **kite_server.adapter_options())
    await first.start()
    try:
        assert await first.instruments()
    finally:
        await first.close()
    assert list(tmp_path.glob("kite-instruments-*.csv"))  # cached by the first start
    readers: list[int] = []
    load = DumpCache.load

    def watched(self, day):  # type: ignore[no-untyped-def]
        readers.append(threading.get_ident())
        return load(self, day)

    DumpCache.load = watched  # type: ignore[method-assign]
    try:
        second = create("sandbox", credentials=kite_server.builtin_credentials(), settle_ms=0, cache_dir=tmp_path,
                        **kite_server.adapter_options())
        await second.start()
        try:
            assert await second.instruments()
        finally:
            await second.close()
    finally:
        DumpCache.load = load  # type: ignore[method-assign]
    assert readers and threading.get_ident() not in readers
