{#- The metric columns of every rollup of fct_site_hourly (daily, weekly, monthly, retail
    calendar, region, organisation), one completeness rule for all (docs/metrics.md):
      - hours_open counts the open hours, hours_complete those with data_complete (every
        source the site has delivered), data_complete = every open hour complete;
      - every metric (footfall, sales, staff, occupancy, dwell) is taken over the complete
        hours only, and every ratio is a ratio of those sums over the same hours, never an
        average of hourly ratios. So the sums of a row divide into its ratios, and a partial
        day is a smaller day, not a day with a hole in one metric. A footfall-only site's
        sales are null. Inputs that do not decide completeness (passers-by, staff hours) may
        still be missing in a complete hour: their ratios take the complete hours where both
        inputs are present. -#}

{#- `column` where the hour is complete, else null -#}
{% macro when_complete(column) -%}
    case when data_complete then {{ column }} end
{%- endmacro %}

{% macro matched_ratio(numerator, denominator) -%}
    {{ ratio(
        'sum(case when ' ~ denominator ~ ' is not null then ' ~ when_complete(numerator) ~ ' end)',
        'sum(case when ' ~ numerator ~ ' is not null then ' ~ when_complete(denominator) ~ ' end)'
    ) }}
{%- endmacro %}

{% macro performance_rollup() -%}
        count(*) as hours_open,
        sum(case when data_complete then 1 else 0 end) as hours_complete,
        min(case when data_complete then 1 else 0 end) = 1 as data_complete,
        sum(open_minutes) as open_minutes,
        sum({{ when_complete('footfall') }}) as footfall,
        sum({{ when_complete('exits') }}) as exits,
        sum({{ when_complete('passersby') }}) as passersby,
        {{ matched_ratio('footfall', 'passersby') }} as capture_rate,
        {{ ratio('sum(' ~ when_complete('occupancy_minutes') ~ ')',
                 'sum(case when occupancy_minutes is not null then '
                 ~ when_complete('open_minutes') ~ ' end)') }}
            as occupancy_avg,
        max({{ when_complete('occupancy_peak') }}) as occupancy_peak,
        {{ ratio('sum(' ~ when_complete('dwell_minutes_total') ~ ')',
                 'sum(' ~ when_complete('dwell_visits') ~ ')') }} as avg_dwell_minutes,
        sum({{ when_complete('transactions') }}) as transactions,
        sum({{ when_complete('returns') }}) as returns,
        sum({{ when_complete('voids') }}) as voids,
        cast(sum({{ when_complete('sales_amount') }}) as {{ dbt.type_numeric() }}) as sales_amount,
        cast(sum({{ when_complete('refund_amount') }}) as {{ dbt.type_numeric() }})
            as refund_amount,
        cast(sum({{ when_complete('net_sales') }}) as {{ dbt.type_numeric() }}) as net_sales,
        sum({{ when_complete('units') }}) as units,
        {{ matched_ratio('net_sales', 'transactions') }} as atv,
        {{ matched_ratio('units', 'transactions') }} as upt,
        {{ matched_ratio('transactions', 'footfall') }} as conversion_rate,
        {{ matched_ratio('net_sales', 'footfall') }} as sales_per_visitor,
        cast(sum({{ when_complete('staff_hours') }}) as {{ dbt.type_float() }}) as staff_hours,
        {{ matched_ratio('footfall', 'staff_hours') }} as shopper_to_staff,
        {{ matched_ratio('net_sales', 'staff_hours') }} as sales_per_staff_hour
{%- endmacro %}
