"""Bad bars are refused with a message naming the problem."""
from __future__ import annotations

import pandas as pd
import pytest

from terminal.backtest.data import DataError, load_csv, prepare
from terminal.backtest.synthetic import random_walk

GOOD = "date,open,high,low,close,volume\n2024-01-01,10,11,9,10.5,100\n2024-01-02,10.5,12,10,11,120\n" \
       "2024-01-03,11,11.5,10.2,10.8,90\n"


def write(tmp_path, text: str):
    p = tmp_path / "bars.csv"
    p.write_text(text)
    return p


def test_csv_columns_are_matched_case_insensitively_and_volume_is_optional(tmp_path):
    df = load_csv(write(tmp_path, "Time,OPEN,High,low,Close\n2024-01-01,1,2,0.5,1.5\n2024-01-02,1.5,2,1,1.8\n"))
    assert list(df.columns) == ["Open", "High", "Low", "Close", "Volume"]
    assert df["Volume"].tolist() == [0.0, 0.0]
    assert df.index[1] == pd.Timestamp("2024-01-02")


def test_epoch_millisecond_times_are_understood(tmp_path):
    df = load_csv(write(tmp_path, "open_time,open,high,low,close,volume\n1700000000000,1,2,0.5,1.5,1\n"
                                  "1700000060000,1.5,2,1,1.8,1\n"))
    assert df.index[1] - df.index[0] == pd.Timedelta(minutes=1)


def test_csv_missing_close_column_names_it(tmp_path):
    with pytest.raises(DataError, match=r"missing column\(s\) close"):
        load_csv(write(tmp_path, "date,open,high,low,volume\n2024-01-01,1,2,0.5,3\n"))


def test_csv_without_a_time_column_says_so(tmp_path):
    with pytest.raises(DataError, match="missing a date/time column"):
        load_csv(write(tmp_path, "open,high,low,close\n1,2,0.5,1.5\n"))


def test_unsorted_timestamps_name_the_row(tmp_path):
    text = GOOD.replace("2024-01-02", "2023-12-30")
    with pytest.raises(DataError, match=r"timestamps are not sorted: 2023-12-30 00:00:00 \(row 2\)"):
        load_csv(write(tmp_path, text))


def test_duplicate_timestamps_name_the_time(tmp_path):
    text = GOOD.replace("2024-01-03", "2024-01-02")
    with pytest.raises(DataError, match=r"duplicate timestamp 2024-01-02 00:00:00 \(rows 2 and 3\)"):
        load_csv(write(tmp_path, text))


def test_nan_prices_name_the_column_and_row(tmp_path):
    text = GOOD.replace("10.5,12,10,11,120", "10.5,12,10,,120")
    with pytest.raises(DataError, match=r"NaN or non-numeric close at 2024-01-02 00:00:00 \(row 2\)"):
        load_csv(write(tmp_path, text))


def test_non_numeric_prices_are_reported_like_nan(tmp_path):
    text = GOOD.replace("10.5,12,10,11,120", "10.5,abc,10,11,120")
    with pytest.raises(DataError, match="NaN or non-numeric high"):
        load_csv(write(tmp_path, text))


def test_high_below_close_is_refused(tmp_path):
    with pytest.raises(DataError, match="high/low do not contain open/close at 2024-01-01"):
        load_csv(write(tmp_path, "date,open,high,low,close\n2024-01-01,10,10.2,9,10.5\n"))


def test_missing_file_and_empty_frame():
    with pytest.raises(DataError, match="no such file"):
        load_csv("/nonexistent/bars.csv")
    with pytest.raises(DataError, match="no rows"):
        prepare(pd.DataFrame())


def test_a_dataframe_with_a_datetime_index_is_accepted_as_is():
    df = random_walk(50)
    out = prepare(df)
    assert out.index.equals(df.index) and (out["Close"] == df["Close"]).all()
