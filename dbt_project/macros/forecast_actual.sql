{#- The actual of a forecast target in an hour of fct_site_hourly (alias `hourly`): footfall
    when the hour's traffic is complete, transactions or net_sales when its sales are, else
    null (docs/metrics.md: an incomplete hour has no actual, never 0). As double precision,
    the type of the forecasts it is compared with (dbt.type_float() is 4 bytes on DuckDB). -#}
{% macro forecast_actual(target, hourly='hourly') -%}
    cast(
        case {{ target }}
            when 'footfall' then
                case when {{ hourly }}.is_traffic_complete then {{ hourly }}.footfall end
            when 'transactions' then
                case when {{ hourly }}.is_sales_complete then {{ hourly }}.transactions end
            when 'net_sales' then
                case when {{ hourly }}.is_sales_complete then {{ hourly }}.net_sales end
        end
        as double precision
    )
{%- endmacro %}
