{#- One row per site and calendar month of local days. -#}

with

hourly as (

    select * from {{ ref('fct_site_hourly') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

final as (

    select
        hourly.site_id,
        hourly.organization_id,
        hourly.region_id,
        hourly.currency,
        dates.month_start_date,
        {{ performance_rollup() }}
    from hourly
    inner join dates
        on hourly.local_date = dates.date_day
    group by
        hourly.site_id, hourly.organization_id, hourly.region_id, hourly.currency,
        dates.month_start_date

)

select * from final
