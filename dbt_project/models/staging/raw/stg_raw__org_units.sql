with

source as (

    select * from {{ source('raw', 'org_units') }}

),

deduplicated as (

    {{ latest_per_key('source', ['org_unit_level', 'org_unit_id'],
                      order_by='delivered_at desc, ingested_at desc') }}

),

renamed as (

    select
        lower(trim(cast(org_unit_level as {{ dbt.type_string() }})))
        || ':' || cast(org_unit_id as {{ dbt.type_string() }}) as org_unit_key,
        lower(trim(cast(org_unit_level as {{ dbt.type_string() }}))) as org_unit_level,
        cast(org_unit_id as {{ dbt.type_string() }}) as org_unit_id,
        cast(org_unit_name as {{ dbt.type_string() }}) as org_unit_name,
        lower(trim(cast(parent_level as {{ dbt.type_string() }})))
        || ':' || cast(parent_id as {{ dbt.type_string() }}) as parent_org_unit_key,
        lower(trim(cast(parent_level as {{ dbt.type_string() }}))) as parent_org_unit_level,
        cast(parent_id as {{ dbt.type_string() }}) as parent_org_unit_id,
        cast(organization_id as {{ dbt.type_string() }}) as organization_id,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
