"""Scores pinned with hand-worked numbers on tiny arrays."""

import math

import numpy as np

from models_ml import metrics


def test_wape_bias_skip_missing():
    y = [10, 20, np.nan, 10]
    f = [12, 15, 99, 10]
    # |2| + |5| + 0 = 7 over 40; bias (2 - 5 + 0) / 40
    assert math.isclose(metrics.wape(y, f), 7 / 40)
    assert math.isclose(metrics.bias(y, f), -3 / 40)


def test_mase_against_seasonal_naive():
    train = [1, 2, 3, 5, 4, 7]  # lag-2 diffs: 2, 3, 1, 2 -> MAE 2
    assert math.isclose(metrics.mase([10, 12], [11, 9], train, m=2), ((1 + 3) / 2) / 2)


def test_coverage_width_and_windows():
    y = np.array([5, 10, 15, 20])
    assert metrics.coverage(y, [4, 11, 10, 20], [6, 12, 16, 25]) == 0.75
    assert metrics.interval_width([4, 11, 10, 20], [6, 12, 16, 25]) == (2 + 1 + 6 + 5) / 4
    ty, tf = metrics.window_totals([10, 10, 50, np.nan], [10.4, 10, 40, 1], [1, 1, 2, 2])
    assert list(ty) == [20] and list(tf) == [20.4]  # window 2 has a missing hour
    assert metrics.share_within([100, 100], [104, 108], 0.05) == 0.5
