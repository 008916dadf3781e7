"""Stream frames for the wire-rule tests: valid templates, known-bad values and Hypothesis strategies that spoil
valid frames (shared by the parser and the stream tests)."""
from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

TRADE = {"e": "trade", "E": 1764000000123, "s": "BTCUSDT", "t": 12345, "p": "87010.01000000", "q": "0.00150000",
         "T": 1764000000120, "m": True, "M": True}
QUOTE = {"u": 400900217, "s": "BTCUSDT", "b": "87010.00000000", "B": "1.50000000", "a": "87010.01000000",
         "A": "0.00001000"}

# Values Python's Decimal() or a careless check would take, none of them a wire number.
BAD_NUMBERS: list[Any] = ["1E+999999", "1" * 100_000, "NaN", "Infinity", "-1", "+1", " 1", "1 ", "1\n", "1_000",
                          "\u0661", "1\u0661", ".5", "5.", "1e3", "0x10", "", "1.2.3", "1" * 21, "1." + "1" * 21, None,
                          5, 1.5, True, ["1"], {"x": 1}]
BAD_IDS: list[Any] = ["1", "yesterday", 1.0, True, False, None, -1, 2 ** 63, 2 ** 64, {"x": 1}, [1]]
BAD_TIMES: list[Any] = BAD_IDS + [10 ** 13 + 1, 1764000000120 * 1000]  # ...and microseconds are not ms

# The frames of issue 9 (item 4) that used to become events.
ISSUE_FRAMES = [("btcusdt@trade", {**TRADE, "p": "1E+999999"}), ("btcusdt@trade", {**TRADE, "p": "1" * 100_000}),
                ("btcusdt@trade", {**TRADE, "s": 5}), ("btcusdt@trade", {**TRADE, "t": {"x": 1}}),
                ("btcusdt@trade", {**TRADE, "T": "yesterday"}), ("btcusdt@bookTicker", {**QUOTE, "b": "1E+999999"}),
                ("btcusdt@bookTicker", {**QUOTE, "s": 5}), ("btcusdt@bookTicker", {**QUOTE, "E": "yesterday"})]

wire_numbers = st.from_regex(r"[0-9]{1,20}(\.[0-9]{1,20})?", fullmatch=True)
junk = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 65, 2 ** 65), st.floats(), st.text(max_size=25),
                 st.sampled_from([v for v in BAD_NUMBERS + BAD_TIMES if isinstance(v, str)]),
                 st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))

TRADE_FIELDS = {"e": st.just("trade"), "s": st.sampled_from(["BTCUSDT", "BTCUSDT", "ETHUSDT"]), "p": wire_numbers,
                "q": wire_numbers, "t": st.integers(0, 2 ** 63 - 1), "T": st.integers(0, 10 ** 13),
                "m": st.booleans()}
QUOTE_FIELDS = {"s": st.just("BTCUSDT"), "b": wire_numbers, "B": wire_numbers, "a": wire_numbers, "A": wire_numbers,
                "u": st.integers(0, 2 ** 63 - 1), "E": st.integers(0, 10 ** 13)}


def frames(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Valid frames; the same with one or two fields replaced by junk or left out; now and then no dict at all."""
    valid = st.fixed_dictionaries(fields)
    spoiled = st.tuples(valid, st.dictionaries(st.sampled_from(sorted(fields)), junk, max_size=2),
                        st.sets(st.sampled_from(sorted(fields)), max_size=1)).map(
        lambda v: {k: x for k, x in {**v[0], **v[1]}.items() if k not in v[2]})
    return st.one_of(valid, spoiled, spoiled, junk)
