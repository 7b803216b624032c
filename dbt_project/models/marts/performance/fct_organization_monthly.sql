{#- One row per organisation, site currency and calendar month:
    amounts in different currencies are never added together. -#}

with

hourly as (

    select * from {{ ref('fct_site_hourly') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

final as (

    select
        hourly.organization_id,
        hourly.currency,
        dates.month_start_date,
        count(distinct hourly.site_id) as site_count,
        {{ performance_rollup() }}
    from hourly
    inner join dates
        on hourly.local_date = dates.date_day
    group by hourly.organization_id, hourly.currency, dates.month_start_date

)

select * from final
