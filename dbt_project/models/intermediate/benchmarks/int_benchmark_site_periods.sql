{#- One row per site and benchmark period: ISO week, NRF 4-5-4 retail period and calendar
    month, from the performance rollups (whose sums and ratios follow the one completeness
    rule of docs/metrics.md), with the site's store type and area, sales per square metre,
    and the starts of the period before and of the same period a year earlier
    (int_benchmark_periods). -#}

with

weekly as (

    select * from {{ ref('fct_site_weekly') }}

),

retail_periods as (

    select * from {{ ref('fct_site_retail_periods') }}

),

monthly as (

    select * from {{ ref('fct_site_monthly') }}

),

sites as (

    select * from {{ ref('dim_site') }}

),

calendar as (

    select * from {{ ref('int_benchmark_periods') }}

),

{%- set metrics = [
    'data_complete', 'hours_open', 'hours_complete', 'footfall', 'passersby',
    'transactions', 'net_sales', 'units', 'capture_rate', 'conversion_rate', 'atv', 'upt',
    'sales_per_visitor',
] %}

periods as (

    select
        site_id,
        organization_id,
        region_id,
        currency,
        'week' as period_type,
        week_start_date as period_start_date,
        {%- for metric in metrics %}
            {{ metric }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from weekly

    union all

    select
        site_id,
        organization_id,
        region_id,
        currency,
        'retail_period' as period_type,
        retail_period_start_date as period_start_date,
        {%- for metric in metrics %}
            {{ metric }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from retail_periods

    union all

    select
        site_id,
        organization_id,
        region_id,
        currency,
        'month' as period_type,
        month_start_date as period_start_date,
        {%- for metric in metrics %}
            {{ metric }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from monthly

),

final as (

    select
        periods.site_id,
        periods.organization_id,
        periods.region_id,
        periods.currency,
        periods.period_type,
        periods.period_start_date,
        calendar.prior_period_start_date,
        calendar.last_year_period_start_date,
        {%- for metric in metrics %}
            periods.{{ metric }},
        {%- endfor %}
        sites.site_type,
        sites.area_sqm,
        {{ ratio('periods.net_sales', 'sites.area_sqm') }} as sales_per_sqm
    from periods
    inner join sites
        on periods.site_id = sites.site_id
    inner join calendar
        on
            periods.period_type = calendar.period_type
            and periods.period_start_date = calendar.period_start_date

)

select * from final
