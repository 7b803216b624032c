{#- One row per sensor counting line with its role and site. -#}

with

sensors as (

    select * from {{ ref('stg_raw__sensors') }}

),

final as (

    select
        sensor_id,
        line_id,
        site_id,
        vendor,
        device_serial,
        device_name,
        line_role,
        interval_minutes,
        max_count_per_interval,
        is_direction_inverted
    from sensors

)

select * from final
