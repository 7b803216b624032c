{#- One row per target, site and past open hour whose count was lost, with the forecaster's
    estimate of it. The double precision columns stay as they are: dbt.type_float() is a
    4-byte float on DuckDB. -#}
with

source as (

    {{ ml_source('estimated_hours') }}

),

renamed as (

    select
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(target as {{ dbt.type_string() }}) as target,
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        hour_start_at,
        origin as origin_at,
        yhat,
        p10,
        p90,
        created_at
    from source

)

select * from renamed
