with

source as (

    select * from {{ source('raw', 'load_manifest') }}

),

deduplicated as (

    {{ latest_per_key('source', ['sha256', 'landing_folder'], order_by='loaded_at desc') }}

),

renamed as (

    select
        cast(sha256 as {{ dbt.type_string() }}) as sha256,
        cast(landing_folder as {{ dbt.type_string() }}) as landing_folder,
        cast(path as {{ dbt.type_string() }}) as path,
        size_bytes,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        rows_loaded,
        rows_quarantined,
        delivered_at,
        loaded_at
    from deduplicated

)

select * from renamed
