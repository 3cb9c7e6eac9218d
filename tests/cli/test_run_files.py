"""``crmsim run``'s weekly files, written without pandas (sim.cli.run_files), are the files pandas
wrote: the CSV byte for byte, the Parquet file as the same DataFrame."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import sim
from sim.cli.run_files import write_csv, write_parquet


def _result():
    return sim.run(sim.load_scenario("scenarios/four_ps.toml"), seed=2)


def test_the_parquet_file_reads_back_as_the_run_s_dataframe(tmp_path):
    result = _result()
    write_parquet(tmp_path / "t.parquet", result.columns, result.data)
    back = pd.read_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(back, result.timeseries)
    assert back["week"].dtype == np.int64 and back["week"].iloc[0] == 1


def test_the_csv_file_is_what_pandas_writes(tmp_path):
    result = _result()
    write_csv(tmp_path / "t.csv", result.columns, result.data)
    assert (tmp_path / "t.csv").read_text() == result.timeseries.to_csv(index=False)


def test_the_csv_file_writes_nan_inf_and_small_numbers_as_pandas_does(tmp_path):
    columns = ("week", "a", "b")
    data = np.array([[1, math.nan, 1e-5], [2, math.inf, 0.1 + 0.2], [3, -0.0, 123456789.0]])
    write_csv(tmp_path / "t.csv", columns, data)
    frame = pd.DataFrame(data, columns=list(columns))
    frame["week"] = data[:, 0].astype(np.int64)
    assert (tmp_path / "t.csv").read_text() == frame.to_csv(index=False)
