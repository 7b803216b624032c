with

source as (

    select * from {{ source('raw', 'pos_locations') }}

),

deduplicated as (

    {{ latest_per_key(
        'source',
        ['source_system', 'location_id'],
        order_by='delivered_at desc, ingested_at desc'
    ) }}

),

renamed as (

    select
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(location_id as {{ dbt.type_string() }}) as location_id,
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
