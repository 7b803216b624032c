{#- One row per site and NRF 4-5-4 retail period (fiscal month; 4, 5, 4 weeks a quarter). -#}

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
        dates.fiscal_year,
        dates.retail_quarter,
        dates.retail_period,
        dates.retail_period_start_date,
        {{ performance_rollup() }}
    from hourly
    inner join dates
        on hourly.local_date = dates.date_day
    group by
        hourly.site_id, hourly.organization_id, hourly.region_id, hourly.currency,
        dates.fiscal_year, dates.retail_quarter, dates.retail_period,
        dates.retail_period_start_date

)

select * from final
