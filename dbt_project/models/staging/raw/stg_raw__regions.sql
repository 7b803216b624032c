with

source as (

    select * from {{ source('raw', 'regions') }}

),

deduplicated as (

    {{ latest_per_key('source', ['region_id'], order_by='delivered_at desc, ingested_at desc') }}

),

renamed as (

    select
        cast(region_id as {{ dbt.type_string() }}) as region_id,
        cast(organization_id as {{ dbt.type_string() }}) as organization_id,
        cast(name as {{ dbt.type_string() }}) as region_name,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
