"""Pictures for the asset pages: PNGs embedded in markdown metadata (the UI renders them)."""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any


def footfall_png(rows: Sequence[tuple[str, date, Any]], title: str) -> bytes:
    """One line per store: (site_id, local_date, footfall) rows, gaps where a day is
    incomplete (null footfall is drawn as a gap, not as zero)."""
    import matplotlib

    matplotlib.use("Agg")  # no display in a run worker
    import matplotlib.pyplot as plt

    series: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for site_id, day, footfall in rows:
        series[str(site_id)].append((day, float("nan") if footfall is None else float(footfall)))
    figure, axes = plt.subplots(figsize=(10, 4.2), dpi=100)
    colours = plt.get_cmap("tab20").colors  # 20 distinct colours: one per store of the demo
    for n, site_id in enumerate(sorted(series)):
        days, values = zip(*sorted(series[site_id]), strict=True)
        axes.plot(days, values, marker=".", linewidth=1.2, label=site_id,
                  color=colours[n % len(colours)])
    axes.set_title(title)
    axes.set_ylabel("footfall per day")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def markdown_image(png: bytes, alt: str) -> str:
    """A PNG as a markdown image with a data URI: `MetadataValue.md` shows it inline."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"


def forecast_png(hours: Sequence[Any], actual: Sequence[float], forecast: Sequence[float],
                 low: Sequence[float], high: Sequence[float], baseline: Sequence[float],
                 title: str, baseline_label: str = "seasonal naive (week)") -> bytes:
    """Forecast against actual over one origin's hours ahead, with the 80% band and a
    baseline; missing actuals are gaps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(10, 4.2), dpi=100)
    x = list(range(len(hours)))
    axes.fill_between(x, low, high, alpha=0.25, color="tab:blue", label="80% interval")
    axes.plot(x, forecast, color="tab:blue", linewidth=1.4, label="LightGBM")
    axes.plot(x, baseline, color="tab:grey", linewidth=1.0, linestyle="--",
              label=baseline_label)
    axes.plot(x, actual, color="black", marker=".", linewidth=0.8, label="actual")
    step = max(1, len(x) // 12)
    axes.set_xticks(x[::step])
    axes.set_xticklabels([f"{h:%a %d %H:%M}" for h in hours][::step], rotation=30,
                         fontsize=7)
    axes.set_title(title)
    axes.set_ylabel("per hour (open hours only)")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
