{#- Like-for-like per organisation, site currency and local day: sums over the comparable
    site days only (sites trading with complete data on both days), growth as a ratio of
    those sums. -#}

with

site_days as (

    select * from {{ ref('fct_site_like_for_like') }}
    where is_comparable

),

summed as (

    select
        organization_id,
        currency,
        local_date,
        count(*) as comparable_sites,
        sum(footfall) as footfall,
        sum(prior_footfall) as prior_footfall,
        sum(transactions) as transactions,
        sum(prior_transactions) as prior_transactions,
        cast(sum(net_sales) as {{ dbt.type_numeric() }}) as net_sales,
        cast(sum(prior_net_sales) as {{ dbt.type_numeric() }}) as prior_net_sales
    from site_days
    group by organization_id, currency, local_date

),

final as (

    select
        *,
        {{ ratio('footfall', 'prior_footfall') }} - 1 as footfall_growth,
        {{ ratio('transactions', 'prior_transactions') }} - 1 as transactions_growth,
        {{ ratio('net_sales', 'prior_net_sales') }} - 1 as net_sales_growth
    from summed

)

select * from final
