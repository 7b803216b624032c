{#- Like-for-like: each site day against the same weekday 364 days earlier, only where the
    site traded on both days (both rows exist in fct_site_daily, which only holds open days
    between open_date and close_date). is_comparable additionally needs complete data on
    both days; rollups use comparable rows only. -#}

with

daily as (

    select * from {{ ref('fct_site_daily') }}

),

paired as (

    select
        current_day.site_id,
        current_day.organization_id,
        current_day.region_id,
        current_day.currency,
        current_day.local_date,
        prior_day.local_date as prior_local_date,
        current_day.data_complete and prior_day.data_complete as is_comparable,
        current_day.footfall,
        prior_day.footfall as prior_footfall,
        current_day.transactions,
        prior_day.transactions as prior_transactions,
        current_day.net_sales,
        prior_day.net_sales as prior_net_sales,
        current_day.conversion_rate,
        prior_day.conversion_rate as prior_conversion_rate
    from daily as current_day
    inner join daily as prior_day
        on
            current_day.site_id = prior_day.site_id
            and prior_day.local_date
            = cast({{ dbt.dateadd('day', -364, 'current_day.local_date') }} as date)

),

final as (

    select
        *,
        {{ ratio('footfall', 'prior_footfall') }} - 1 as footfall_growth,
        {{ ratio('transactions', 'prior_transactions') }} - 1 as transactions_growth,
        {{ ratio('net_sales', 'prior_net_sales') }} - 1 as net_sales_growth
    from paired

)

select * from final
