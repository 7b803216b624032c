{#- Footfall, exits and passers-by per site and open hour, with completeness: an hour's
    traffic is complete when every entrance line delivered every interval it is expected
    to (its interval_minutes grid, within opening hours). Incomplete hours carry null
    counts, never zero: a sensor outage must not read as an empty store. One row per spine
    hour, with the spine's columns: the hour row fct_site_hourly starts from. -#}

{{ int_site_hourly_traffic_sql(
    ref('int_site_hour_spine'),
    ref('int_sensor_lines'),
    ref('int_sensor_intervals')
) }}
