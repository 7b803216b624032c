{#- `column_name` is null on every row where `condition` holds (missing source -> null). -#}
{% test null_when(model, column_name, condition) %}

select *
from {{ model }}
where ({{ condition }})
  and {{ column_name }} is not null

{% endtest %}
