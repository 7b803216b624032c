{#- The hourly spine: one row per site and UTC hour that overlaps the site's opening hours,
    over the local days between the site's first and last day with any sensor or POS data
    (within its open_date .. close_date). Hours are generated in UTC and then placed in
    local time, so a DST day has 23 or 25 of them and none is invented or lost. 
    The site's first and last day come from per-site min/max of each source's local
    dates (not a union of every row). `from_date` (fct_site_hourly's incremental
    branch) generates only the local days from that date on; `prior_days` adds
    (site_id, min_local_date, max_local_date) rows known from before. -#}

{{ int_site_hour_spine_sql(
    ref('stg_raw__sites'), ref('int_site_opening_hours'),
    ref('int_sensor_intervals'), ref('int_pos_transactions_localized')) }}
