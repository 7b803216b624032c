{#- The sensors' own dwell per site and hour: visit-weighted, kept as a sum of dwell
    minutes and a count of visits so that any rollup is a ratio of sums. -#}

{{ int_site_hourly_zone_dwell_sql(ref('stg_raw__zone_activity'), ref('int_sensor_lines')) }}
