{#- Use a model's custom schema verbatim (staging, intermediate, marts) instead of dbt's
    default `<target_schema>_<custom>`, so every target has the same schema names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
