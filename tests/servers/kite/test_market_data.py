"""Instruments dump, quotes and historical candles through the unchanged official client."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
import requests
from kiteconnect.exceptions import InputException

from terminal.servers.kite import DEFAULT_API_KEY
from terminal.servers.kite.instruments import HEADER

SEGMENT_CODES = {"NSE": 1, "NFO-FUT": 2, "NFO-OPT": 2, "MCX-FUT": 7, "INDICES": 9}


def test_the_instruments_dump_has_kites_columns_tokens_lots_and_ticks(kite):
    rows = kite.instruments()
    assert len(rows) == 23
    by_symbol = {r["tradingsymbol"]: r for r in rows}
    assert by_symbol["INFY"]["instrument_token"] == 408065 and by_symbol["INFY"]["exchange_token"] == "1594"
    for row in rows:
        assert row["instrument_token"] == int(row["exchange_token"]) * 256 + SEGMENT_CODES[row["segment"]]
    assert by_symbol["NIFTY 50"]["segment"] == "INDICES" and by_symbol["NIFTY BANK"]["lot_size"] == 0
    futures = [r for r in rows if r["segment"] == "NFO-FUT"]
    nifty = next(r for r in futures if r["name"] == "NIFTY")
    assert nifty["tradingsymbol"].startswith("NIFTY") and nifty["tradingsymbol"].endswith("FUT")
    assert nifty["lot_size"] == 65 and nifty["tick_size"] == 0.1 and isinstance(nifty["expiry"], date)
    assert nifty["expiry"].weekday() == 1  # the month's last Tuesday
    options = [r for r in rows if r["segment"] == "NFO-OPT"]
    assert len(options) == 6 and {r["instrument_type"] for r in options} == {"CE", "PE"}
    assert all(r["expiry"] == nifty["expiry"] and r["lot_size"] == 65 and r["strike"] > 0 for r in options)
    assert any(r["exchange"] == "MCX" for r in rows) and any(r["name"] == "BANKNIFTY" for r in futures)
    assert {r["exchange"] for r in kite.instruments("NFO")} == {"NFO"}
    with pytest.raises(InputException):
        kite.instruments("XYZ")


def test_the_raw_dump_is_csv_with_the_exact_header_and_no_empty_numbers(kite_server, kite):
    headers = {"X-Kite-Version": "3", "Authorization": f"token {DEFAULT_API_KEY}:{kite.access_token}"}
    answer = requests.get(f"{kite_server.url}/instruments", headers=headers, timeout=10)
    assert "csv" in answer.headers["Content-Type"] and answer.headers.get("Content-Encoding") == "gzip"
    reader = csv.reader(io.StringIO(answer.text))
    assert tuple(next(reader)) == HEADER
    for row in reader:
        assert all(row[i] != "" for i in (0, 4, 6, 7, 8))


def test_quote_ohlc_and_ltp_answer_by_the_requested_keys_and_skip_unknown_ones(kite):
    quote = kite.quote("NSE:INFY", "NSE:NIFTY 50", "NSE:NOSUCH")
    assert set(quote) == {"NSE:INFY", "NSE:NIFTY 50"}
    infy = quote["NSE:INFY"]
    assert isinstance(infy["timestamp"], datetime) and isinstance(infy["last_trade_time"], datetime)
    assert len(infy["depth"]["buy"]) == 5 and len(infy["depth"]["sell"]) == 5
    assert infy["depth"]["buy"][0]["price"] < infy["depth"]["sell"][0]["price"]
    assert infy["lower_circuit_limit"] < infy["last_price"] < infy["upper_circuit_limit"]
    ltp = kite.ltp("NSE:SBIN", 408065)
    assert set(ltp) == {"NSE:SBIN", "408065"} and ltp["408065"]["instrument_token"] == 408065
    ohlc = kite.ohlc("NSE:TCS")["NSE:TCS"]
    assert ohlc["ohlc"]["low"] <= ohlc["last_price"] <= ohlc["ohlc"]["high"]


def test_historical_candles_by_interval_with_oi_and_the_range_limit(kite):
    now = datetime.now()
    minute = kite.historical_data(408065, now - timedelta(hours=2), now, "minute")
    assert len(minute) > 60 and minute[0]["date"] < minute[-1]["date"]
    assert minute[0]["date"].utcoffset() == timedelta(hours=5, minutes=30)
    assert all(c["low"] <= min(c["open"], c["close"]) and c["high"] >= max(c["open"], c["close"]) for c in minute)
    five = kite.historical_data(408065, now - timedelta(hours=2), now, "5minute")
    assert all(c["date"].minute % 5 == 0 for c in five) and len(five) < len(minute)
    days = kite.historical_data(408065, (now - timedelta(days=10)).date(), now.date(), "day")
    assert 8 <= len(days) <= 11 and all(c["date"].hour == 0 for c in days)
    future = next(i for i in kite.instruments("NFO") if i["instrument_type"] == "FUT")
    with_oi = kite.historical_data(future["instrument_token"], now - timedelta(hours=1), now, "minute",
                                   continuous=False, oi=True)
    assert with_oi and all(c["oi"] > 0 for c in with_oi)
    with pytest.raises(InputException) as exc:
        kite.historical_data(408065, now - timedelta(days=61), now, "minute")
    assert str(exc.value) == "interval exceeds max limit: 60 days"
    with pytest.raises(InputException):
        kite.historical_data(408065, now, now - timedelta(days=1), "minute")
    with pytest.raises(InputException):
        kite.historical_data(408065, now - timedelta(days=1), now, "2minute")
