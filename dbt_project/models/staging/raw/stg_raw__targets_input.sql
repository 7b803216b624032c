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
        cast(level as {{ dbt.type_string() }}) as target_level,
        cast(level_id as {{ dbt.type_string() }}) as level_id,
        cast(metric as {{ dbt.type_string() }}) as metric,
        period_start as period_start_date,
        period_end as period_end_date,
        cast(target_value as {{ dbt.type_numeric() }}) as target_value,
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        cast(method as {{ dbt.type_string() }}) as target_method,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
