

def test_csv_written_by_pandas_to_csv_uses_its_unnamed_date_index(tmp_path):
    from terminal.backtest.data import load_csv
    from terminal.backtest.synthetic import random_walk

    df = random_walk(50)
    path = tmp_path / "bars.csv"
    df.to_csv(path)  # first column: the DatetimeIndex, with an empty header
    out = load_csv(path)
    assert list(out.index) == list(df.index) and out["Close"].tolist() == df["Close"].tolist()
