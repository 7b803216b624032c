{#- Average and peak occupancy per site and hour: a sensor's own occupancy readings where
    the site has any in that hour (summed over the site's sensors at each instant), else
    the reconstruction from entrance counts. -#}

{{ int_site_hourly_occupancy_sql(
    ref('int_site_occupancy_intervals'),
    ref('stg_raw__sensor_occupancy'),
    ref('int_sensor_lines')
) }}
