{#- Helpers of the target cascade (docs/targets.md). The metrics a target can be set on are
    the dbt var `target_metrics`: a sum of a fct_site_daily column, or a rate of two. -#}

{#- The distinct fct_site_daily columns the target metrics read. -#}
{% macro target_metric_columns() -%}
    {%- set columns = [] -%}
    {%- for metric in var('target_metrics').values() -%}
        {%- for part in ['numerator', 'denominator'] -%}
            {%- if metric.get(part) and metric[part] not in columns -%}
                {%- do columns.append(metric[part]) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The money columns among them (converted across currencies at the fx_rates seed). -#}
{% macro target_money_columns() -%}
    {%- set columns = [] -%}
    {%- for metric in var('target_metrics').values() -%}
        {%- if metric.money and metric.numerator not in columns -%}
            {%- do columns.append(metric.numerator) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- `case metric when 'net_sales' then <alias>.net_sales ... end`: the numerator (or the
    denominator) column of the row's metric. -#}
{% macro target_metric_part(metric, part, alias) -%}
    case {{ metric }}
        {%- for name, definition in var('target_metrics').items() %}
            {%- if definition.get(part) %}
        when '{{ name }}' then {{ alias }}.{{ definition[part] }}
            {%- endif %}
        {%- endfor %}
    end
{%- endmacro %}

{#- The metric definitions as rows: metric, metric_kind, is_money, has_staff_history. -#}
{% macro target_metric_rows() -%}
    {%- for name, definition in var('target_metrics').items() %}
    select
        '{{ name }}' as metric,
        '{{ definition.kind }}' as metric_kind,
        {{ 'true' if definition.money else 'false' }} as is_money,
        {{ 'true' if definition.get('staff') else 'false' }} as has_staff_history
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Digits of a currency's minor unit (ISO 4217): 0 for yen and the like, 3 for the dinars,
    else 2 (ingestion/pos/currencies.py holds the same table). -#}
{% macro currency_minor_digits(currency) -%}
    case
        when {{ currency }} in (
            'CLP', 'ISK', 'JPY', 'KRW', 'PYG', 'UGX', 'VND', 'XAF', 'XOF'
        ) then 0
        when {{ currency }} in ('BHD', 'JOD', 'KWD', 'OMR', 'TND') then 3
        else 2
    end
{%- endmacro %}

{#- The rank of an org level, from the organisation (1) to staff (6): a cascade goes down
    to the units whose rank is at most its `cascade_to` level's. -#}
{% macro org_level_rank(level) -%}
    case {{ level }}
        when 'organization' then 1
        when 'region' then 2
        when 'site' then 3
        when 'department' then 4
        when 'team' then 5
        when 'staff' then 6
    end
{%- endmacro %}

{#- `case metric when 'net_sales' then 'net_sales' ... end`: the name of the numerator (or
    denominator) column of the row's metric, to match the forecaster's target names. -#}
{% macro target_metric_column_name(metric, part) -%}
    case {{ metric }}
        {%- for name, definition in var('target_metrics').items() %}
            {%- if definition.get(part) %}
        when '{{ name }}' then '{{ definition[part] }}'
            {%- endif %}
        {%- endfor %}
    end
{%- endmacro %}
