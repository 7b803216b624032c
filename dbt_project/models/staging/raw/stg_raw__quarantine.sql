with

source as (

    select * from {{ source('raw', 'quarantine') }}

),

renamed as (

    select
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        line_no,
        cast(reason_code as {{ dbt.type_string() }}) as reason_code,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(raw_content as {{ dbt.type_string() }}) as raw_content,
        quarantined_at
    from source

)

select * from renamed
