{#- fct_site_hourly's incremental window, computed once per run before the model's SQL is
    rendered, so that it reaches every raw scan as a constant (DuckDB then skips the row
    groups before it). The first local date to recompute is the earliest of
      - per site already loaded: its newest loaded hour - lookback_hours - 24 h (whole days;
        the extra day covers any UTC offset), and
      - per site with data but nothing loaded yet: the day before its first counting row or
        POS delivery (every delivery, not deduplicated, so a lower bound), so a new site
        gets its whole history.
    It reads only refs that fct_site_hourly declares (stg_raw__sites, int_sensor_lines,
    stg_raw__sensor_counts, base_raw__pos_transactions). The new sites are found first and
    named as constants, so the scan of their first rows is filtered on the dedup key and
    costs nothing when every site is loaded.
    Returns a python date, or none when nothing is loaded (then the run is a full one). -#}
{% macro blipee_recompute_from_date(this_relation) -%}
    {%- set loaded_sql -%}
        with

        loaded as (

            select
                site_id,
                cast({{ dbt.dateadd('hour', -(var('lookback_hours') | int) - 24,
                                    to_utc_naive('max(hour_start_at)')) }} as date)
                    as from_date
            from {{ this_relation }}
            group by site_id

        ),

        unloaded as (

            select site_id from {{ ref('stg_raw__sites') }}
            where site_id not in (select site_id from loaded)

        )

        select 'loaded' as kind, cast(min(from_date) as {{ dbt.type_string() }}) as value
        from loaded
        union all
        select 'unloaded', site_id from unloaded
    {%- endset -%}
    {%- set rows = run_query(loaded_sql).rows -%}
    {%- set candidates = [] -%}
    {%- set new_sites = [] -%}
    {%- for row in rows -%}
        {%- if row[0] == 'loaded' and row[1] is not none -%}
            {%- do candidates.append(row[1] | string) -%}
        {%- elif row[0] == 'unloaded' -%}
            {%- do new_sites.append(row[1] | replace("'", "''")) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if candidates and new_sites -%}
        {%- set site_list = "'" ~ (new_sites | join("', '")) ~ "'" -%}
        {%- set lines = run_query(
            "select sensor_id, line_id from " ~ ref('int_sensor_lines')
            ~ " where site_id in (" ~ site_list ~ ")").rows -%}
        {%- set sensor_list = [] -%}
        {%- for line in lines -%}
            {%- do sensor_list.append(line[0] | replace("'", "''")) -%}
        {%- endfor -%}
        {%- set firsts_sql -%}
            select cast(min(from_date) as {{ dbt.type_string() }}) from (
                {% if sensor_list -%}
                select cast({{ dbt.dateadd('day', -1, to_utc_naive('min(counts.period_start_at)')) }}
                    as date) as from_date
                from {{ ref('stg_raw__sensor_counts') }} as counts
                inner join {{ ref('int_sensor_lines') }} as lines
                    on counts.sensor_id = lines.sensor_id
                    and counts.line_id = lines.line_id
                where counts.sensor_id in ('{{ sensor_list | unique | join("', '") }}')
                  and lines.site_id in ({{ site_list }})
                union all
                {% endif -%}
                select cast({{ dbt.dateadd('day', -1, to_utc_naive('min(transacted_at)')) }}
                    as date)
                from {{ ref('base_raw__pos_transactions') }}
                where site_id in ({{ site_list }})
            ) as firsts
        {%- endset -%}
        {%- set first = run_query(firsts_sql).columns[0].values()[0] -%}
        {%- if first is not none -%}
            {%- do candidates.append(first | string) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not candidates -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(modules.datetime.date.fromisoformat((candidates | min)[:10])) }}
{%- endmacro %}
