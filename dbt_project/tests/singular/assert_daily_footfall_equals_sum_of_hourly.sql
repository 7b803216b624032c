-- fct_site_daily is fct_site_hourly summed: footfall, transactions and net sales agree.
with

hourly as (

    select
        site_id,
        local_date,
        sum(footfall) as footfall,
        sum(transactions) as transactions,
        sum(net_sales) as net_sales,
        count(*) as hours_open
    from {{ ref('fct_site_hourly') }}
    group by site_id, local_date

),

daily as (

    select * from {{ ref('fct_site_daily') }}

)

select daily.site_id, daily.local_date
from daily
full outer join hourly
    on daily.site_id = hourly.site_id
    and daily.local_date = hourly.local_date
where daily.site_id is null
   or hourly.site_id is null
   or daily.hours_open <> hourly.hours_open
   or coalesce(daily.footfall, -1) <> coalesce(hourly.footfall, -1)
   or coalesce(daily.transactions, -1) <> coalesce(hourly.transactions, -1)
   or abs(coalesce(daily.net_sales, 0) - coalesce(hourly.net_sales, 0)) > 0.0001
