{#- The sensors' own dwell per site and hour: visit-weighted, kept as a sum of dwell
    minutes and a count of visits so that any rollup is a ratio of sums. -#}
{% macro int_site_hourly_zone_dwell_sql(zone_activity, lines) -%}

with

zone_activity as (

    select * from {{ zone_activity }}
    where avg_dwell_seconds is not null
      and visits > 0

),

sensor_sites as (

    select distinct sensor_id, site_id from {{ lines }}

),

final as (

    select
        sensor_sites.site_id,
        {{ utc_hour('zone_activity.period_start_at') }} as hour_start_at,
        cast(sum(zone_activity.visits * zone_activity.avg_dwell_seconds) / 60.0
            as {{ dbt.type_float() }}) as dwell_minutes_total,
        sum(zone_activity.visits) as dwell_visits
    from zone_activity
    inner join sensor_sites
        on zone_activity.sensor_id = sensor_sites.sensor_id
    group by sensor_sites.site_id, {{ utc_hour('zone_activity.period_start_at') }}

)

select * from final
{%- endmacro %}
