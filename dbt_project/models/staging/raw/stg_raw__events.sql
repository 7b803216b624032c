with

source as (

    select * from {{ source('raw', 'events') }}

),

deduplicated as (

    {{ latest_per_key('source', ['event_id'], order_by='delivered_at desc, ingested_at desc') }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        lower(trim(cast(event_type as {{ dbt.type_string() }}))) as event_type,
        cast(name as {{ dbt.type_string() }}) as event_name,
        start_date,
        end_date,
        cast(organization_id as {{ dbt.type_string() }}) as organization_id,
        cast(region_id as {{ dbt.type_string() }}) as region_id,
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        cast(expected_uplift as {{ dbt.type_float() }}) as expected_uplift,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
