{#- One row per organisation, site currency and local day: a multi-currency chain is
    reported per currency, never summing GBP and EUR. Ratios are ratios of sums. -#}

with

hourly as (

    select * from {{ ref('fct_site_hourly') }}

),

final as (

    select
        organization_id,
        currency,
        local_date,
        count(distinct site_id) as site_count,
        {{ performance_rollup() }}
    from hourly
    group by organization_id, currency, local_date

)

select * from final
