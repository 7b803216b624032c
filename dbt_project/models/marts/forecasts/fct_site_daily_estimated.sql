{#- One row per site and local day (as fct_site_daily): the counted footfall beside an
    estimated day total. The rule: a complete hour counts (its estimate, if any, is
    ignored: the count wins); an incomplete hour with an estimate (ml.estimated_hours,
    target footfall) adds the estimate; an incomplete hour without one adds nothing and is
    counted in hours_missing. footfall_estimated_p10 / _p90 add the estimates' own p10 / p90
    instead (quantiles do not add up exactly: this band assumes the lost hours err together,
    so it is the wider, conservative one). Null where no hour of the day is known. -#}
with

hourly as (

    select * from {{ ref('fct_site_hourly') }}

),

estimates as (

    select * from {{ ref('stg_ml__estimated_hours') }}
    where target = 'footfall'

),

hours as (

    select
        hourly.site_id,
        hourly.organization_id,
        hourly.region_id,
        hourly.local_date,
        hourly.is_traffic_complete,
        case when hourly.is_traffic_complete then hourly.footfall end as footfall_counted,
        case when not hourly.is_traffic_complete then estimates.yhat end as footfall_estimate,
        case when not hourly.is_traffic_complete then estimates.p10 end as footfall_estimate_p10,
        case when not hourly.is_traffic_complete then estimates.p90 end as footfall_estimate_p90
    from hourly
    left join estimates
        on
            hourly.site_id = estimates.site_id
            and hourly.hour_start_at = estimates.hour_start_at

),

daily as (

    select
        site_id,
        organization_id,
        region_id,
        local_date,
        count(*) as hours_open,
        sum(case when is_traffic_complete then 1 else 0 end) as hours_counted,
        sum(case when footfall_estimate is not null then 1 else 0 end) as hours_estimated,
        sum(footfall_counted) as footfall_counted,
        sum(footfall_estimate) as footfall_estimate,
        sum(footfall_estimate_p10) as footfall_estimate_p10,
        sum(footfall_estimate_p90) as footfall_estimate_p90
    from hours
    group by site_id, organization_id, region_id, local_date

),

final as (

    select
        site_id,
        organization_id,
        region_id,
        local_date,
        hours_open,
        hours_counted,
        hours_estimated,
        hours_open - hours_counted - hours_estimated as hours_missing,
        footfall_counted,
        case
            when hours_counted + hours_estimated > 0
                then coalesce(footfall_counted, 0) + coalesce(footfall_estimate, 0)
        end as footfall_estimated,
        case
            when hours_counted + hours_estimated > 0
                then coalesce(footfall_counted, 0) + coalesce(footfall_estimate_p10, 0)
        end as footfall_estimated_p10,
        case
            when hours_counted + hours_estimated > 0
                then coalesce(footfall_counted, 0) + coalesce(footfall_estimate_p90, 0)
        end as footfall_estimated_p90,
        hours_estimated > 0 as is_estimated
    from daily

)

select * from final
