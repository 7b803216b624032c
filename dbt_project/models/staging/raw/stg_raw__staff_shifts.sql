with

source as (

    select * from {{ source('raw', 'staff_shifts') }}

),

deduplicated as (

    {{ latest_per_key('source', ['shift_id'], order_by='delivered_at desc, ingested_at desc') }}

),

renamed as (

    select
        cast(shift_id as {{ dbt.type_string() }}) as shift_id,
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        cast(staff_id as {{ dbt.type_string() }}) as staff_id,
        shift_start as shift_start_at,
        shift_end as shift_end_at,
        cast(role as {{ dbt.type_string() }}) as staff_role,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
