{#- fct_site_hourly's incremental window, computed once per run before the model's SQL is
    rendered, so that it reaches every raw scan as a constant (DuckDB then skips the row
    groups before it). The first local date to recompute is the earliest of
      - per site already loaded: its newest loaded hour - lookback_hours - 24 h (whole days;
        the extra day covers any UTC offset), and
      - per site with raw data but nothing loaded yet: the day before its first raw row
        (raw, not deduplicated, so a lower bound), so a new site gets its whole history.
    Returns a python date, or none when nothing is loaded (then the run is a full one). -#}
{% macro blipee_recompute_from_date(this_relation) -%}
    {%- set sql -%}
        with loaded as (
            select
                site_id,
                cast({{ dbt.dateadd('hour', -(var('lookback_hours') | int) - 24,
                                    to_utc_naive('max(hour_start_at)')) }} as date)
                    as from_date
            from {{ this_relation }}
            group by site_id
        ),
        line_firsts as (
            select sensor_id, line_id, min(period_start) as first_at
            from {{ source('raw', 'sensor_counts') }}
            group by sensor_id, line_id
        ),
        raw_firsts as (
            select lines.site_id, line_firsts.first_at
            from line_firsts
            inner join {{ ref('int_sensor_lines') }} as lines
                on line_firsts.sensor_id = lines.sensor_id
                and line_firsts.line_id = lines.line_id
            union all
            select site_id, min(ts) from {{ source('raw', 'pos_transactions') }} group by site_id
        ),
        unloaded as (
            select
                cast({{ dbt.dateadd('day', -1, to_utc_naive('min(first_at)')) }} as date)
                    as from_date
            from raw_firsts
            where site_id not in (select site_id from loaded)
        )
        select min(from_date) from (
            select from_date from loaded
            union all
            select from_date from unloaded
        ) as candidates
    {%- endset -%}
    {%- set result = run_query(sql) -%}
    {%- set value = result.columns[0].values()[0] if result.rows | length > 0 else none -%}
    {%- if value is string -%}
        {%- set value = modules.datetime.date.fromisoformat(value[:10]) -%}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
