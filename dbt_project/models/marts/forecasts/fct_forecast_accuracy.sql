{#- Live accuracy: one row per model version, target, horizon family and site over every
    forecast (all origins, not only the latest) whose hour has a complete actual
    (forecast_actual). WAPE = sum |actual - yhat| / sum |actual|, bias = sum (yhat - actual)
    / sum actual, coverage_80 = share of the hours with an interval whose actual lies in
    [p10, p90]; every ratio null where its denominator is 0. -#}
with

forecasts as (

    select * from {{ ref('stg_ml__forecasts') }}

),

hourly as (

    select * from {{ ref('fct_site_hourly') }}

),

with_actuals as (

    select
        forecasts.model_version,
        forecasts.target,
        forecasts.horizon,
        forecasts.site_id,
        forecasts.origin_at,
        forecasts.hour_start_at,
        forecasts.yhat,
        forecasts.p10,
        forecasts.p90,
        {{ forecast_actual('forecasts.target') }} as actual
    from forecasts
    inner join hourly
        on
            forecasts.site_id = hourly.site_id
            and forecasts.hour_start_at = hourly.hour_start_at

),

scored as (

    select
        *,
        abs(actual - yhat) as absolute_error,
        case when p10 is not null and p90 is not null then 1 else 0 end as has_interval,
        case when actual between p10 and p90 then 1 else 0 end as is_covered
    from with_actuals
    where actual is not null and yhat is not null

),

final as (

    select
        model_version,
        target,
        horizon,
        site_id,
        count(*) as hours,
        count(distinct origin_at) as origins,
        min(hour_start_at) as first_hour_start_at,
        max(hour_start_at) as last_hour_start_at,
        sum(actual) as actual_total,
        sum(yhat) as forecast_total,
        sum(absolute_error) as absolute_error_total,
        {{ ratio('sum(absolute_error)', 'sum(abs(actual))') }} as wape,
        {{ ratio('sum(yhat - actual)', 'sum(actual)') }} as bias,
        {{ ratio('sum(is_covered)', 'sum(has_interval)') }} as coverage_80,
        avg(p90 - p10) as width_80
    from scored
    group by model_version, target, horizon, site_id

)

select * from final
