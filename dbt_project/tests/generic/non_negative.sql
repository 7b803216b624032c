{#- Rows where any of `columns` is below 0 (nulls pass): one query per model in place of one
    accepted_range test per column, so a rollup's dozen additive metrics cost one scan. -#}
{% test non_negative(model, columns) %}

select *
from {{ model }}
where
    {% for column in columns -%}
    {{ column }} < 0{{ ' or' if not loop.last }}
    {% endfor %}

{% endtest %}
