with

source as (

    select * from {{ source('raw', 'zone_activity') }}

),

deduplicated as (

    {{ latest_per_key(
        'source',
        ['sensor_id', 'zone_id', 'period_start'],
        order_by='delivered_at desc, ingested_at desc'
    ) }}

),

renamed as (

    select
        cast(sensor_id as {{ dbt.type_string() }}) as sensor_id,
        cast(zone_id as {{ dbt.type_string() }}) as zone_id,
        period_start as period_start_at,
        period_end as period_end_at,
        cast(visits as {{ dbt.type_int() }}) as visits,
        cast(avg_dwell_seconds as {{ dbt.type_float() }}) as avg_dwell_seconds,
        received_at,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
