{#- POS transactions in their site's local time, with units (item_count, else the sum of
    line quantities) and the UTC hour they fall in. -#}
{% macro int_pos_transactions_localized_sql(transactions, transaction_lines, sites) -%}

with

transactions as (

    select * from {{ transactions }}

),

transaction_lines as (

    select * from {{ transaction_lines }}

),

sites as (

    select * from {{ sites }}

),

line_units as (

    select
        source_system,
        external_id,
        sum(quantity) as line_quantity
    from transaction_lines
    group by source_system, external_id

),

final as (

    select
        transactions.source_system,
        transactions.external_id,
        transactions.site_id,
        transactions.transacted_at,
        transactions.transaction_type,
        transactions.net_amount,
        transactions.tax_amount,
        transactions.currency,
        transactions.staff_id,
        coalesce(transactions.item_count, line_units.line_quantity) as units,
        {{ utc_hour('transactions.transacted_at') }} as hour_start_at,
        cast({{ to_local('transactions.transacted_at', 'sites.timezone') }} as date)
            as local_date
    from transactions
    inner join sites
        on transactions.site_id = sites.site_id
    left join line_units
        on transactions.source_system = line_units.source_system
        and transactions.external_id = line_units.external_id

)

select * from final
{%- endmacro %}
