{#- One row per target, horizon family, site and forecast hour: the forecast of the newest
    origin, placed in the site's local time, with the hour's actual once it has been counted
    complete (forecast_actual: footfall when the traffic is complete, transactions and
    net_sales when the sales are; else null). -#}
with

forecasts as (

    select * from {{ ref('stg_ml__forecasts') }}

),

sites as (

    select * from {{ ref('dim_site') }}

),

hourly as (

    select * from {{ ref('fct_site_hourly') }}

),

ranked as (

    select
        forecasts.*,
        row_number() over (
            partition by
                forecasts.target,
                forecasts.horizon,
                forecasts.site_id,
                forecasts.hour_start_at
            order by forecasts.origin_at desc
        ) as origin_rank
    from forecasts

),

latest as (

    select * from ranked
    where origin_rank = 1

),

localized as (

    select
        latest.*,
        sites.organization_id,
        sites.region_id,
        {{ to_local('latest.hour_start_at', 'sites.timezone') }} as local_start_at
    from latest
    left join sites
        on latest.site_id = sites.site_id

),

with_actuals as (

    select
        localized.*,
        {{ forecast_actual('localized.target') }} as actual
    from localized
    left join hourly
        on
            localized.site_id = hourly.site_id
            and localized.hour_start_at = hourly.hour_start_at

),

final as (

    select
        target,
        horizon,
        site_id,
        organization_id,
        region_id,
        hour_start_at,
        cast(local_start_at as date) as local_date,
        {{ date_part_int('hour', 'local_start_at') }} as local_hour,
        local_start_at,
        model_version,
        origin_at,
        hours_ahead,
        yhat,
        p10,
        p90,
        interval_method,
        created_at,
        actual,
        actual is not null as has_actual
    from with_actuals

)

select * from final
