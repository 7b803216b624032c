{#- The metric columns of every rollup of fct_site_hourly (daily, weekly, monthly, retail
    calendar, region, organisation). Additive metrics are summed over the hours whose
    source is present; every ratio is a ratio of sums over the hours where BOTH of its
    inputs are present (so an outage neither inflates nor drags a rate), never an average
    of hourly ratios. data_complete is true only when every hour was complete. -#}

{% macro matched_ratio(numerator, denominator) -%}
    {{ ratio(
        'sum(case when ' ~ denominator ~ ' is not null then ' ~ numerator ~ ' end)',
        'sum(case when ' ~ numerator ~ ' is not null then ' ~ denominator ~ ' end)'
    ) }}
{%- endmacro %}

{% macro performance_rollup() -%}
        count(*) as hours_open,
        sum(case when data_complete then 1 else 0 end) as hours_complete,
        min(case when data_complete then 1 else 0 end) = 1 as data_complete,
        sum(open_minutes) as open_minutes,
        sum(footfall) as footfall,
        sum(exits) as exits,
        sum(passersby) as passersby,
        {{ matched_ratio('footfall', 'passersby') }} as capture_rate,
        {{ ratio('sum(occupancy_minutes)',
                 'sum(case when occupancy_minutes is not null then open_minutes end)') }}
            as occupancy_avg,
        max(occupancy_peak) as occupancy_peak,
        {{ ratio('sum(dwell_minutes_total)', 'sum(dwell_visits)') }} as avg_dwell_minutes,
        sum(transactions) as transactions,
        sum(returns) as returns,
        sum(voids) as voids,
        cast(sum(sales_amount) as {{ dbt.type_numeric() }}) as sales_amount,
        cast(sum(refund_amount) as {{ dbt.type_numeric() }}) as refund_amount,
        cast(sum(net_sales) as {{ dbt.type_numeric() }}) as net_sales,
        sum(units) as units,
        {{ ratio('sum(net_sales)', 'sum(transactions)') }} as atv,
        {{ ratio('sum(units)', 'sum(transactions)') }} as upt,
        {{ matched_ratio('transactions', 'footfall') }} as conversion_rate,
        {{ matched_ratio('net_sales', 'footfall') }} as sales_per_visitor,
        cast(sum(staff_hours) as {{ dbt.type_float() }}) as staff_hours,
        {{ matched_ratio('footfall', 'staff_hours') }} as shopper_to_staff,
        {{ matched_ratio('net_sales', 'staff_hours') }} as sales_per_staff_hour
{%- endmacro %}
