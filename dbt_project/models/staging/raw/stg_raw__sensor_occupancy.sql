with

source as (

    select * from {{ source('raw', 'sensor_occupancy') }}

),

deduplicated as (

    {{ latest_per_key(
        'source',
        ['sensor_id', 'ts'],
        order_by='delivered_at desc, ingested_at desc'
    ) }}

),

renamed as (

    select
        cast(sensor_id as {{ dbt.type_string() }}) as sensor_id,
        ts as measured_at,
        cast(occupancy as {{ dbt.type_int() }}) as occupancy,
        received_at,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
