{#- One row per site and ISO (Monday-start) week of local days: fct_site_daily_estimated
    summed, so a week reads as counted and as estimated by the same rule as its days. -#}
with

daily as (

    select * from {{ ref('fct_site_daily_estimated') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

final as (

    select
        daily.site_id,
        daily.organization_id,
        daily.region_id,
        dates.iso_year,
        dates.iso_week,
        dates.week_start_date,
        count(*) as days_open,
        sum(daily.hours_open) as hours_open,
        sum(daily.hours_counted) as hours_counted,
        sum(daily.hours_estimated) as hours_estimated,
        sum(daily.hours_missing) as hours_missing,
        sum(daily.footfall_counted) as footfall_counted,
        sum(daily.footfall_estimated) as footfall_estimated,
        sum(daily.footfall_estimated_p10) as footfall_estimated_p10,
        sum(daily.footfall_estimated_p90) as footfall_estimated_p90,
        sum(daily.hours_estimated) > 0 as is_estimated
    from daily
    inner join dates
        on daily.local_date = dates.date_day
    group by
        daily.site_id, daily.organization_id, daily.region_id,
        dates.iso_year, dates.iso_week, dates.week_start_date

)

select * from final
