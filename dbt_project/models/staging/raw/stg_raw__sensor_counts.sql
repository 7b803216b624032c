with

source as (

    select * from {{ source('raw', 'sensor_counts') }}

),

deduplicated as (

    {{ latest_per_key(
        'source',
        ['sensor_id', 'line_id', 'period_start'],
        order_by='delivered_at desc, ingested_at desc'
    ) }}

),

renamed as (

    select
        cast(sensor_id as {{ dbt.type_string() }}) as sensor_id,
        cast(line_id as {{ dbt.type_string() }}) as line_id,
        period_start as period_start_at,
        period_end as period_end_at,
        cast(count_in as {{ dbt.type_int() }}) as count_in,
        cast(count_out as {{ dbt.type_int() }}) as count_out,
        received_at,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
