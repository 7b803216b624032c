{#- The rows of ml.<table_name> (dbt source `ml`) or, before the forecaster has created that
    table, an empty set of the same columns typed by their `data_type` in _ml__sources.yml
    (`where false`). source() is called either way, so the lineage edge is in the manifest;
    the table is looked up only when executing. A view built before the table existed stays
    empty until it is built again. -#}
{% macro ml_source(table_name) -%}
    {%- set relation = source('ml', table_name) -%}
    {%- set existing = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) if execute else relation -%}
    {%- if existing is not none -%}
    select * from {{ relation }}
    {%- else -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.ml.' ~ table_name] -%}
    select
        {%- for column in node.columns.values() %}
        cast(null as {{ column.data_type }}) as {{ column.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
    {%- endif -%}
{%- endmacro %}
