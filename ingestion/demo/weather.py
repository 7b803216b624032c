"""Hourly weather per city and local day, shared by every store of the city.

Rain is what moves retail traffic (streets empty, malls fill), so the model is a rain spell
on some days and a seasonal temperature with a daily swing; seeded by (seed, city, day) so
every store of a city sees the same sky whatever order the days are generated in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from ingestion.demo.calendar import DayGrid

# Monthly mean temperature (°C) and chance of a rainy day by city.
CLIMATE = {
    "London": ((5.2, 5.5, 7.6, 10.0, 13.3, 16.4, 18.7, 18.5, 15.7, 12.1, 8.3, 5.6), 0.45),
    "Manchester": ((4.3, 4.6, 6.3, 8.7, 11.9, 14.5, 16.4, 16.2, 13.9, 10.6, 7.1, 4.7), 0.55),
    "Berlin": ((0.6, 1.4, 5.0, 9.6, 14.4, 17.6, 19.8, 19.4, 15.0, 9.9, 5.0, 1.7), 0.35),
}
CITY_INDEX = {city: i for i, city in enumerate(CLIMATE)}


@dataclass(frozen=True)
class HourlyWeather:
    hour_utc: np.ndarray  # int64 epoch seconds, hour starts covering the local day
    temperature_c: np.ndarray
    precipitation_mm: np.ndarray
    condition: tuple[str, ...]

    def rain_at(self, epoch: np.ndarray) -> np.ndarray:
        """Rain intensity 0..1 for each instant (1 mm/h or more counts as full rain)."""
        index = np.clip((epoch - self.hour_utc[0]) // 3600, 0, len(self.hour_utc) - 1)
        return np.minimum(self.precipitation_mm[index], 1.0)


def city_weather(city: str, day: date, grid: DayGrid, seed: int) -> HourlyWeather:
    monthly, rain_chance = CLIMATE[city]
    rng = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([seed, 9, CITY_INDEX[city], day.toordinal()]))
    )
    hours = grid.start_utc[:: max(1, 60 // grid.interval_minutes)]
    local_hour = (grid.local_minute[:: max(1, 60 // grid.interval_minutes)] / 60.0)
    anomaly = rng.normal(0.0, 2.5)
    temperature = (
        monthly[day.month - 1] + anomaly
        + 4.0 * np.sin((local_hour - 9.0) / 24.0 * 2 * np.pi)
        + rng.normal(0.0, 0.3, len(hours))
    )
    precipitation = np.zeros(len(hours))
    if rng.random() < rain_chance:
        start = int(rng.integers(0, max(1, len(hours) - 3)))
        duration = int(rng.integers(2, 9))
        amounts = rng.gamma(1.5, 0.8, duration)
        end = min(len(hours), start + duration)
        precipitation[start:end] = amounts[: end - start]
    cloud = rng.random(len(hours))
    conditions = []
    for temp, rain, c in zip(temperature, precipitation, cloud, strict=True):
        if rain > 0.05:
            if temp < 0.5:
                conditions.append("snow")
            else:
                conditions.append("heavy_rain" if rain >= 2.5 else "rain")
        else:
            conditions.append("clear" if c < 0.3 else "partly_cloudy" if c < 0.65 else "cloudy")
    return HourlyWeather(hours, np.round(temperature, 1), np.round(precipitation, 1),
                         tuple(conditions))
