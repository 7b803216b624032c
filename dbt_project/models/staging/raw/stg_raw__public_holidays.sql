with

source as (

    select * from {{ source('raw', 'public_holidays') }}

),

deduplicated as (

    {{ latest_per_key('source', ['country', 'subdivision', 'holiday_date'],
                      order_by='delivered_at desc, ingested_at desc') }}

),

final as (

    select
        upper(trim(cast(country as {{ dbt.type_string() }}))) as country_code,
        {#- raw keeps '' for the national calendar (a key column is never null) -#}
        nullif(upper(trim(cast(subdivision as {{ dbt.type_string() }}))), '')
            as subdivision_code,
        holiday_date,
        cast(holiday_name as {{ dbt.type_string() }}) as holiday_name,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from final
