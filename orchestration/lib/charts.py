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
