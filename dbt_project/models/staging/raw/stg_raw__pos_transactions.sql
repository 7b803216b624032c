{#- POS transactions, the latest delivery per (source_system, external_id). -#}

with

deliveries as (

    select * from {{ ref('base_raw__pos_transactions') }}

),

deduplicated as (

    {{ latest_per_key('deliveries', ['source_system', 'external_id']) }}

),

final as (

    select
        source_system,
        external_id,
        site_id,
        transacted_at,
        transaction_type,
        gross_amount,
        discount_amount,
        tax_amount,
        net_amount,
        currency,
        item_count,
        staff_id,
        customer_id,
        payment_method,
        source_file,
        source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from final
