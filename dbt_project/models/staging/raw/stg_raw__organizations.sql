with

source as (

    select * from {{ source('raw', 'organizations') }}

),

deduplicated as (

    {{ latest_per_key(
        'source',
        ['organization_id'],
        order_by='delivered_at desc, ingested_at desc'
    ) }}

),

renamed as (

    select
        cast(organization_id as {{ dbt.type_string() }}) as organization_id,
        cast(name as {{ dbt.type_string() }}) as organization_name,
        upper(trim(cast(reporting_currency as {{ dbt.type_string() }}))) as reporting_currency,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
