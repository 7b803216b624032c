{#- numerator / denominator as a float, null where the denominator is 0 or null. dbt-core has no
    safe_divide (that lives in dbt_utils), so it is written out once here. -#}
{% macro ratio(numerator, denominator) -%}
    cast(({{ numerator }}) * 1.0 / nullif({{ denominator }}, 0) as {{ dbt.type_float() }})
{%- endmacro %}
