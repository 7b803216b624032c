{#- One row per site and local day: fct_site_hourly rolled up (ratios of sums). Incremental:
    each run re-rolls every local day from one date computed before the run
    (macros/hourly/rollup_window.sql), at least as far back as fct_site_hourly's own window,
    and replaces those rows by (site_id, local_date) with delete+insert. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=blipee_incremental_strategy(),
        unique_key=['site_id', 'local_date'],
        on_schema_change='fail',
    )
}}
{%- set from_date = blipee_rollup_from_date(this, ref('fct_site_hourly'))
    if execute and is_incremental() else none %}

with

hourly as (

    select * from {{ ref('fct_site_hourly') }}
    {% if from_date is not none -%}
    where local_date >= cast('{{ from_date.isoformat() }}' as date)
    {%- endif %}

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
