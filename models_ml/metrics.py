"""Forecast scores on plain arrays; rows whose actual is missing (NaN) are never scored.

- wape: sum |y - yhat| / sum |y|
- bias: sum (yhat - y) / sum |y| (positive = over-forecast)
- mase: mean |y - yhat| over the mean absolute error of the in-sample seasonal naive
  forecast of lag m (Hyndman & Koehler 2006)
- coverage: share of actuals inside [lo, hi]; width: mean hi - lo
- window totals: per window (e.g. a site's 4 hours ahead), the total's absolute
  percentage error; the share of windows within ±5% / ±10% and the WAPE of the totals
"""

from __future__ import annotations

import numpy as np


def _valid(y: np.ndarray, *others: np.ndarray) -> np.ndarray:
    mask = np.isfinite(y)
    for other in others:
        mask &= np.isfinite(other)
    return mask


def wape(y, yhat) -> float:
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    m = _valid(y, yhat)
    denominator = np.abs(y[m]).sum()
    return float(np.abs(y[m] - yhat[m]).sum() / denominator) if denominator > 0 else float("nan")


def bias(y, yhat) -> float:
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    m = _valid(y, yhat)
    denominator = np.abs(y[m]).sum()
    return float((yhat[m] - y[m]).sum() / denominator) if denominator > 0 else float("nan")


def seasonal_naive_mae(y_train, m: int) -> float:
    """Mean |y_t - y_{t-m}| over the training series (NaN pairs skipped)."""
    y_train = np.asarray(y_train, float)
    if len(y_train) <= m:
        return float("nan")
    diff = np.abs(y_train[m:] - y_train[:-m])
    diff = diff[np.isfinite(diff)]
    return float(diff.mean()) if len(diff) else float("nan")


def mase(y, yhat, y_train=None, m: int = 168, scale: float | None = None) -> float:
    """MAE of the forecast over the in-sample seasonal naive MAE (or a given scale)."""
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    valid = _valid(y, yhat)
    if scale is None:
        scale = seasonal_naive_mae(y_train, m)
    if not valid.any() or not scale or not np.isfinite(scale):
        return float("nan")
    return float(np.abs(y[valid] - yhat[valid]).mean() / scale)


def coverage(y, lo, hi) -> float:
    y, lo, hi = (np.asarray(a, float) for a in (y, lo, hi))
    m = _valid(y, lo, hi)
    return float(((y[m] >= lo[m]) & (y[m] <= hi[m])).mean()) if m.any() else float("nan")


def interval_width(lo, hi, y=None) -> float:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    m = _valid(lo, hi) if y is None else _valid(np.asarray(y, float), lo, hi)
    return float((hi[m] - lo[m]).mean()) if m.any() else float("nan")


def window_totals(y, yhat, window_ids) -> tuple[np.ndarray, np.ndarray]:
    """Per window id, the totals of actual and forecast; a window with any missing actual
    is dropped (its total is unknown, not smaller)."""
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    ids = np.asarray(window_ids)
    uniq, inverse = np.unique(ids, return_inverse=True)
    bad = np.zeros(len(uniq), bool)
    np.logical_or.at(bad, inverse, ~_valid(y, yhat))
    sum_y = np.zeros(len(uniq))
    sum_f = np.zeros(len(uniq))
    np.add.at(sum_y, inverse, np.where(np.isfinite(y), y, 0.0))
    np.add.at(sum_f, inverse, np.where(np.isfinite(yhat), yhat, 0.0))
    return sum_y[~bad], sum_f[~bad]


def share_within(y_total, f_total, tolerance: float) -> float:
    """Share of windows whose forecast total is within ±tolerance of the actual total
    (windows with an actual total of 0 are left out: no percentage exists)."""
    y_total, f_total = np.asarray(y_total, float), np.asarray(f_total, float)
    m = y_total > 0
    if not m.any():
        return float("nan")
    return float((np.abs(f_total[m] - y_total[m]) <= tolerance * y_total[m]).mean())


def score(y, yhat, lo=None, hi=None, window_ids=None, mase_scale: float | None = None) -> dict:
    """Every score of the backtest for one method."""
    out = {"n_hours": int(_valid(np.asarray(y, float), np.asarray(yhat, float)).sum()),
           "wape": wape(y, yhat), "bias": bias(y, yhat),
           "mase": mase(y, yhat, scale=mase_scale) if mase_scale else float("nan")}
    if window_ids is not None:
        ty, tf = window_totals(y, yhat, window_ids)
        out.update(n_windows_4h=len(ty), wape_4h=wape(ty, tf),
                   share_4h_within_5pct=share_within(ty, tf, 0.05),
                   share_4h_within_10pct=share_within(ty, tf, 0.10))
    if lo is not None and hi is not None:
        out.update(coverage_80=coverage(y, lo, hi), interval_width=interval_width(lo, hi, y))
    return out
