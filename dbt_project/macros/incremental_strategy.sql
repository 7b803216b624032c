{#- The incremental strategy per adapter, set explicitly: delete+insert on the unique key.
    Some adapters' defaults append and ignore unique_key, silently duplicating rows. -#}
{% macro blipee_incremental_strategy() -%}
    {%- set strategies = {'duckdb': 'delete+insert', 'postgres': 'delete+insert'} -%}
    {%- if target.type not in strategies -%}
        {{ exceptions.raise_compiler_error(
            "no incremental strategy chosen for adapter " ~ target.type) }}
    {%- endif -%}
    {{ return(strategies[target.type]) }}
{%- endmacro %}
