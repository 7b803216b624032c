{#- Time-zone arithmetic that reads the same on DuckDB (ICU) and PostgreSQL.
    UTC instants are `timestamptz`; local wall-clock times are naive `timestamp`. -#}

{#- timestamptz -> naive wall-clock time in the IANA zone `tz` (a column or a quoted literal) -#}
{% macro to_local(ts, tz) -%}
    (({{ ts }}) at time zone {{ tz }})
{%- endmacro %}

{#- timestamptz -> naive UTC wall-clock time (independent of the session time zone) -#}
{% macro to_utc_naive(ts) -%}
    (({{ ts }}) at time zone 'UTC')
{%- endmacro %}

{#- naive UTC wall-clock time -> timestamptz -#}
{% macro utc_naive_to_tz(ts) -%}
    (({{ ts }}) at time zone 'UTC')
{%- endmacro %}

{#- the UTC hour that contains a timestamptz, as timestamptz -#}
{% macro utc_hour(ts) -%}
    {{ utc_naive_to_tz(dbt.date_trunc('hour', to_utc_naive(ts))) }}
{%- endmacro %}

{#- 'HH:MM' text -> minutes after local midnight ('24:00' -> 1440); null stays null -#}
{% macro hhmm_to_minutes(column) -%}
    (
        cast({{ dbt.split_part(column, "':'", 1) }} as integer) * 60
        + cast({{ dbt.split_part(column, "':'", 2) }} as integer)
    )
{%- endmacro %}

{#- minutes after midnight of a naive timestamp -#}
{% macro minute_of_day(ts) -%}
    (
        {{ date_part_int('hour', ts) }} * 60
        + {{ date_part_int('minute', ts) }}
    )
{%- endmacro %}

{#- date_part as an integer; dbt-core has no cross-database date_part, but date_part(text,
    value) reads the same on DuckDB and PostgreSQL (which returns double or numeric) -#}
{% macro date_part_int(datepart, value) -%}
    cast(date_part('{{ datepart }}', {{ value }}) as integer)
{%- endmacro %}
