{#- fct_site_daily's incremental window: the first local date to re-roll from fct_site_hourly,
    computed once per run. It must reach back at least as far as any day fct_site_hourly's
    own window rewrote (recompute_window.sql), so it is the earliest of
      - per site already rolled up: its newest local date - ceil(lookback_hours / 24) - 2
        days (one day for the 24 h fct_site_hourly adds, one for local vs UTC dates), and
      - per site in fct_site_hourly but not rolled up yet: its first local date.
    Returns a python date, or none when nothing is rolled up yet (a full run). -#}
{% macro blipee_rollup_from_date(this_relation, hourly_relation) -%}
    {%- set days_back = ((var('lookback_hours') | int) + 23) // 24 + 2 -%}
    {%- set sql -%}
        with rolled as (
            select site_id, max(local_date) as max_local_date
            from {{ this_relation }}
            group by site_id
        ),
        candidates as (
            select cast({{ dbt.dateadd('day', -days_back, 'max_local_date') }} as date)
                as from_date
            from rolled
            union all
            select min(local_date) from {{ hourly_relation }}
            where site_id not in (select site_id from rolled)
        )
        select min(from_date) from candidates
    {%- endset -%}
    {%- set result = run_query(sql) -%}
    {%- set value = result.columns[0].values()[0] if result.rows | length > 0 else none -%}
    {%- if value is string -%}
        {%- set value = modules.datetime.date.fromisoformat(value[:10]) -%}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
