with

source as (

    select * from {{ source('raw', 'weather') }}

),

deduplicated as (

    {{ latest_per_key(
        'source',
        ['site_id', 'ts'],
        order_by='delivered_at desc, ingested_at desc'
    ) }}

),

renamed as (

    select
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        ts as observed_at,
        cast(temperature_c as {{ dbt.type_float() }}) as temperature_c,
        cast(precipitation_mm as {{ dbt.type_float() }}) as precipitation_mm,
        cast(condition as {{ dbt.type_string() }}) as weather_condition,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
