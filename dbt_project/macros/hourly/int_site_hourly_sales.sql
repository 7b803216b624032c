{#- Sales per site and open hour (docs/metrics.md):
      transactions = sale rows with net_amount > 0; returns = return rows (counted apart);
      net_sales = sum(net_amount of sales) - sum(abs(net_amount of returns))
                  + sum(net_amount of exchanges)  (tax excluded; the POS stores a refund
                  with either sign, so its absolute value is taken; an exchange carries the
                  signed difference paid or refunded); voids are ignored;
      units = units of the counted sale transactions.
    has_pos_feed: the site has a POS at all (a pos_locations row, or any transaction in
    `transactions` or in `prior_pos_sites`); a footfall-only site has none, and its hours
    are complete without sales (fct_site_hourly's data_complete).
    The POS feed is present for an hour when the site has any POS row on that local day and
    the hour starts no later than the site's newest POS row. Otherwise the sales metrics are
    null, never zero: a missing feed must not read as "no sales". -#}
{% macro int_site_hourly_sales_sql(spine, transactions, pos_locations, prior_pos_sites=none) -%}

with

spine as (

    select * from {{ spine }}

),

transactions as (

    select * from {{ transactions }}

),

pos_sites as (

    select site_id from {{ pos_locations }}
    union
    select site_id from transactions
    {% if prior_pos_sites is not none -%}
    union
    select site_id from {{ prior_pos_sites }}
    {%- endif %}

),

feed_days as (

    select distinct site_id, local_date from transactions

),

feed_watermarks as (

    select site_id, max(transacted_at) as latest_transacted_at
    from transactions
    group by site_id

),

hourly as (

    select
        site_id,
        hour_start_at,
        sum(case when transaction_type = 'sale' and net_amount > 0 then 1 else 0 end)
            as transactions,
        sum(case when transaction_type = 'return' then 1 else 0 end) as returns,
        sum(case when transaction_type = 'void' then 1 else 0 end) as voids,
        sum(case when transaction_type = 'sale' then net_amount else 0 end) as sales_amount,
        sum(case when transaction_type = 'return' then abs(net_amount) else 0 end)
            as refund_amount,
        sum(case when transaction_type = 'exchange' then net_amount else 0 end)
            as exchange_amount,
        sum(case when transaction_type = 'sale' and net_amount > 0 then units else 0 end)
            as units
    from transactions
    group by site_id, hour_start_at

),

with_feed as (

    select
        spine.site_id,
        spine.hour_start_at,
        spine.local_date,
        pos_sites.site_id is not null as has_pos_feed,
        (feed_days.site_id is not null
            and spine.hour_start_at <= feed_watermarks.latest_transacted_at)
            as is_sales_complete,
        hourly.transactions,
        hourly.returns,
        hourly.voids,
        hourly.sales_amount,
        hourly.refund_amount,
        hourly.exchange_amount,
        hourly.units
    from spine
    left join pos_sites
        on spine.site_id = pos_sites.site_id
    left join feed_days
        on spine.site_id = feed_days.site_id
        and spine.local_date = feed_days.local_date
    left join feed_watermarks
        on spine.site_id = feed_watermarks.site_id
    left join hourly
        on spine.site_id = hourly.site_id
        and spine.hour_start_at = hourly.hour_start_at

),

final as (

    select
        site_id,
        hour_start_at,
        local_date,
        has_pos_feed,
        coalesce(is_sales_complete, false) as is_sales_complete,
        case when is_sales_complete then coalesce(transactions, 0) end as transactions,
        case when is_sales_complete then coalesce(returns, 0) end as returns,
        case when is_sales_complete then coalesce(voids, 0) end as voids,
        cast(case when is_sales_complete then coalesce(sales_amount, 0) end
            as {{ dbt.type_numeric() }}) as sales_amount,
        cast(case when is_sales_complete then coalesce(refund_amount, 0) end
            as {{ dbt.type_numeric() }}) as refund_amount,
        cast(case when is_sales_complete
            then coalesce(sales_amount, 0) - coalesce(refund_amount, 0)
                + coalesce(exchange_amount, 0)
        end as {{ dbt.type_numeric() }}) as net_sales,
        case when is_sales_complete then coalesce(units, 0) end as units
    from with_feed

)

select * from final
{%- endmacro %}
