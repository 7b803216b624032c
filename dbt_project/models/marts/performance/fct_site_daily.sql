{#- One row per site and local day: fct_site_hourly rolled up (ratios of sums). -#}

with

hourly as (

    select * from {{ ref('fct_site_hourly') }}

),

final as (

    select
        site_id,
        organization_id,
        region_id,
        local_date,
        currency,
        {{ performance_rollup() }}
    from hourly
    group by site_id, organization_id, region_id, local_date, currency

)

select * from final
