{#- One row per region, site currency and local day (a region may span currencies; GBP
    and EUR are never added together). Ratios are ratios of sums over the region's sites;
    occupancy_peak is the highest single-site hourly peak. -#}

with

hourly as (

    select * from {{ ref('fct_site_hourly') }}

),

final as (

    select
        region_id,
        organization_id,
        currency,
        local_date,
        count(distinct site_id) as site_count,
        {{ performance_rollup() }}
    from hourly
    group by region_id, organization_id, currency, local_date

)

select * from final
