{#- One row per target, horizon, site, origin and forecast hour, as the forecaster wrote it
    (ml.forecasts, read as its two sources: the nowcast and the 14-day rows).
    The double precision columns stay as they are: dbt.type_float() is a 4-byte float on
    DuckDB. -#}
with

nowcast as (

    {{ ml_source('nowcast') }}

),

day_ahead as (

    {{ ml_source('day_ahead') }}

),

source as (

    select * from nowcast
    where horizon = 'nowcast'
    union all
    select * from day_ahead
    where horizon = 'day_ahead'

),

renamed as (

    select
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(target as {{ dbt.type_string() }}) as target,
        cast(horizon as {{ dbt.type_string() }}) as horizon,
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        origin as origin_at,
        hour_start_at,
        cast(hours_ahead as {{ dbt.type_int() }}) as hours_ahead,
        yhat,
        p10,
        p90,
        cast(interval_method as {{ dbt.type_string() }}) as interval_method,
        created_at
    from source

)

select * from renamed
