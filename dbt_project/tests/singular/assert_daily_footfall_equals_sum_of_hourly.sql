-- fct_site_daily is fct_site_hourly summed over its complete hours (docs/metrics.md):
-- footfall, transactions and net sales agree, and every open hour is counted.
with

hourly as (

    select
        site_id,
        local_date,
        sum(case when data_complete then footfall end) as footfall,
        sum(case when data_complete then transactions end) as transactions,
        sum(case when data_complete then net_sales end) as net_sales,
        count(*) as hours_open,
        sum(case when data_complete then 1 else 0 end) as hours_complete
    from {{ ref('fct_site_hourly') }}
    group by site_id, local_date

),

daily as (

    select * from {{ ref('fct_site_daily') }}

)

select
    daily.site_id,
    daily.local_date
from daily
full outer join hourly
    on
        daily.site_id = hourly.site_id
        and daily.local_date = hourly.local_date
where
    daily.site_id is null
    or hourly.site_id is null
    or daily.hours_open <> hourly.hours_open
    or daily.hours_complete <> hourly.hours_complete
    or coalesce(daily.footfall, -1) <> coalesce(hourly.footfall, -1)
    or coalesce(daily.transactions, -1) <> coalesce(hourly.transactions, -1)
    or abs(coalesce(daily.net_sales, 0) - coalesce(hourly.net_sales, 0)) > 0.0001
