{#- Counted intervals of entrance and passer-by lines in site-local time (ingestion already
    swapped in and out for direction-inverted lines), each tagged with its UTC hour and whether it overlaps opening hours
    (an interval counts when it overlaps [open, close) of its local weekday). -#}

{{ int_sensor_intervals_sql(
    ref('stg_raw__sensor_counts'),
    ref('int_sensor_lines'),
    ref('int_site_opening_hours')
) }}
