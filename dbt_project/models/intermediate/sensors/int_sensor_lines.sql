{#- Every counting line with its site's zone and the interval it is expected to report at.
    A line without interval_minutes is expected to report at least once an hour. -#}

with

sensors as (

    select * from {{ ref('stg_raw__sensors') }}

),

sites as (

    select * from {{ ref('stg_raw__sites') }}

),

final as (

    select
        sensors.sensor_id,
        sensors.line_id,
        sensors.site_id,
        sites.organization_id,
        sites.timezone,
        sensors.line_role,
        sensors.vendor,
        sensors.interval_minutes,
        coalesce(sensors.interval_minutes, 60) as expected_interval_minutes,
        sensors.max_count_per_interval,
        sensors.is_direction_inverted
    from sensors
    inner join sites
        on sensors.site_id = sites.site_id

)

select * from final
