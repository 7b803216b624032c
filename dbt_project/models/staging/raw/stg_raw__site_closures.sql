with

source as (

    select * from {{ source('raw', 'site_closures') }}

),

deduplicated as (

    {{ latest_per_key('source', ['site_id', 'local_date'],
                      order_by='delivered_at desc, ingested_at desc') }}

),

final as (

    select
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        local_date,
        is_closed,
        cast(open_time as {{ dbt.type_string() }}) as open_time,
        cast(close_time as {{ dbt.type_string() }}) as close_time,
        cast(reason as {{ dbt.type_string() }}) as closure_reason,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from final
