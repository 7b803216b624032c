with

source as (

    select * from {{ source('raw', 'pos_transaction_lines') }}

),

deduplicated as (

    {{ latest_per_key(
        'source',
        ['source_system', 'external_id', 'line_no'],
        order_by='delivered_at desc, ingested_at desc'
    ) }}

),

renamed as (

    select
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(external_id as {{ dbt.type_string() }}) as external_id,
        cast(line_no as {{ dbt.type_int() }}) as line_no,
        cast(sku as {{ dbt.type_string() }}) as sku,
        cast(product_name as {{ dbt.type_string() }}) as product_name,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(quantity as {{ dbt.type_int() }}) as quantity,
        cast(unit_price as {{ dbt.type_numeric() }}) as unit_price,
        cast(line_amount as {{ dbt.type_numeric() }}) as line_amount,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
