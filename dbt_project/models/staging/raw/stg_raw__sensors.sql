with

source as (

    select * from {{ source('raw', 'sensors') }}

),

deduplicated as (

    {{ latest_per_key(
        'source',
        ['sensor_id', 'line_id'],
        order_by='delivered_at desc, ingested_at desc'
    ) }}

),

renamed as (

    select
        cast(sensor_id as {{ dbt.type_string() }}) as sensor_id,
        cast(line_id as {{ dbt.type_string() }}) as line_id,
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        cast(vendor as {{ dbt.type_string() }}) as vendor,
        cast(device_serial as {{ dbt.type_string() }}) as device_serial,
        cast(device_name as {{ dbt.type_string() }}) as device_name,
        lower(trim(cast(line_role as {{ dbt.type_string() }}))) as line_role,
        cast(interval_minutes as {{ dbt.type_int() }}) as interval_minutes,
        cast(max_count_per_interval as {{ dbt.type_int() }}) as max_count_per_interval,
        coalesce(cast(is_direction_inverted as {{ dbt.type_boolean() }}), false)
            as is_direction_inverted,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
