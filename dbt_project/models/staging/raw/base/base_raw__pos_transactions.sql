{#- Every delivery of raw.pos_transactions, renamed and cast: the base that
    stg_raw__pos_transactions deduplicates (latest delivery per key). fct_site_hourly's
    incremental branch reads it to take every delivery of the transactions that have one in
    its window: the time column is not part of the key, so a filter on it cannot go below the
    dedup. -#}

with

source as (

    select * from {{ source('raw', 'pos_transactions') }}

),

renamed as (

    select
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(external_id as {{ dbt.type_string() }}) as external_id,
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        ts as transacted_at,
        lower(trim(cast(type as {{ dbt.type_string() }}))) as transaction_type,
        cast(gross_amount as {{ dbt.type_numeric() }}) as gross_amount,
        cast(discount as {{ dbt.type_numeric() }}) as discount_amount,
        cast(tax as {{ dbt.type_numeric() }}) as tax_amount,
        cast(net_amount as {{ dbt.type_numeric() }}) as net_amount,
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        cast(item_count as {{ dbt.type_int() }}) as item_count,
        cast(staff_id as {{ dbt.type_string() }}) as staff_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(payment_method as {{ dbt.type_string() }}) as payment_method,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from source

)

select * from renamed
