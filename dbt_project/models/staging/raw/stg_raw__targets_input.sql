with

source as (

    select * from {{ source('raw', 'targets_input') }}

),

deduplicated as (

    {{ latest_per_key('source', ['target_id'], order_by='delivered_at desc, ingested_at desc') }}

),

renamed as (

    select
        cast(target_id as {{ dbt.type_string() }}) as target_id,
        cast(organization_id as {{ dbt.type_string() }}) as organization_id,
        lower(trim(cast(level as {{ dbt.type_string() }}))) as target_level,
        cast(level_id as {{ dbt.type_string() }}) as level_id,
        cast(metric as {{ dbt.type_string() }}) as metric,
        cast(name as {{ dbt.type_string() }}) as target_name,
        lower(trim(cast(period_type as {{ dbt.type_string() }}))) as period_type,
        period_start as period_start_date,
        period_end as period_end_date,
        cast(target_value as {{ dbt.type_numeric() }}) as target_value,
        cast(stretch_value as {{ dbt.type_numeric() }}) as stretch_value,
        cast(minimum_value as {{ dbt.type_numeric() }}) as minimum_value,
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        -- 'manual' is kept as given: the cascade reads it as historical
        lower(trim(cast(method as {{ dbt.type_string() }}))) as target_method,
        hybrid_weight,
        lower(trim(cast(cascade_to as {{ dbt.type_string() }}))) as cascade_to_level,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
