{#- One row per model version, target, horizon and method of a rolling-origin backtest. The
    double precision columns stay as they are: dbt.type_float() is a 4-byte float on
    DuckDB. -#}
with

source as (

    {{ ml_source('backtest_scores') }}

),

renamed as (

    select
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(target as {{ dbt.type_string() }}) as target,
        cast(horizon as {{ dbt.type_string() }}) as horizon,
        cast(method as {{ dbt.type_string() }}) as method,
        cast(origins as {{ dbt.type_int() }}) as origins,
        cast(sites as {{ dbt.type_int() }}) as sites,
        cast(hours as {{ dbt.type_int() }}) as hours,
        first_origin as first_origin_at,
        last_origin as last_origin_at,
        wape,
        wape_4h,
        share_4h_within_5pct,
        share_4h_within_10pct,
        bias,
        mase,
        coverage_80,
        width_80,
        cast(interval_method as {{ dbt.type_string() }}) as interval_method,
        evaluated_at
    from source

)

select * from renamed
