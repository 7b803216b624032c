{#- Staff hours per site and open hour: every shift split across the hours it overlaps
    (overlap minutes / 60). A local day without any shift at the site has no roster feed,
    so its staff hours are null, not zero. -#}

{{ int_site_hourly_staff_sql(ref('int_site_hour_spine'), ref('stg_raw__staff_shifts')) }}
