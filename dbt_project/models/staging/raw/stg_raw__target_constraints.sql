with

source as (

    select * from {{ source('raw', 'target_constraints') }}

),

deduplicated as (

    {{ latest_per_key('source', ['target_id', 'org_unit_level', 'org_unit_id'],
                      order_by='delivered_at desc, ingested_at desc') }}

),

renamed as (

    select
        cast(target_id as {{ dbt.type_string() }}) as target_id,
        lower(trim(cast(org_unit_level as {{ dbt.type_string() }}))) as org_unit_level,
        cast(org_unit_id as {{ dbt.type_string() }}) as org_unit_id,
        lower(trim(cast(org_unit_level as {{ dbt.type_string() }})))
        || ':' || cast(org_unit_id as {{ dbt.type_string() }}) as org_unit_key,
        weight,
        cast(floor_value as {{ dbt.type_numeric() }}) as floor_value,
        cast(cap_value as {{ dbt.type_numeric() }}) as cap_value,
        min_share,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
