"""Regenerate seeds/holidays.csv: public holidays of GB and DE from the `holidays` package.

dim_date's holiday flags come from this seed rather than raw.events, so the calendar is
complete before any customer data arrives. Run `.venv/bin/python
dbt_project/scripts/generate_holidays_seed.py` after changing the years or countries.
"""

from __future__ import annotations

import csv
from pathlib import Path

import holidays

COUNTRIES = ("GB", "DE")
YEARS = range(2018, 2031)
SEED = Path(__file__).resolve().parents[1] / "seeds" / "holidays.csv"


def holiday_rows() -> list[tuple[str, str, str]]:
    """(holiday_date, country_code, holiday_name), names of one day joined by '; '."""
    rows = []
    for country in COUNTRIES:
        calendar = holidays.country_holidays(country, years=YEARS, language="en_US")
        for day in sorted(calendar):
            names = "; ".join(sorted(set(calendar.get_list(day))))
            rows.append((day.isoformat(), country, names))
    return sorted(rows)


def main() -> None:
    with SEED.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("holiday_date", "country_code", "holiday_name"))
        writer.writerows(holiday_rows())


if __name__ == "__main__":
    main()
