{#- One row per site and benchmark period: ISO week, NRF 4-5-4 retail period and calendar
    month, from the performance rollups (whose sums and ratios follow the one completeness
    rule of docs/metrics.md), with the site's store type and area, sales per square metre,
    and the start of the period before and of the same period a year earlier:
      - week: 7 and 364 days earlier (the like-for-like weekday rule, 52 weeks);
      - retail period: the period containing the day before, and the same period number
        of the previous fiscal year;
      - month: one and twelve months earlier. -#}

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

dates as (

    select * from {{ ref('dim_date') }}

),

retail_calendar as (

    select distinct
        fiscal_year,
        retail_period,
        retail_period_start_date
    from dates

),

retail_prior_periods as (

    select
        retail_calendar.fiscal_year,
        retail_calendar.retail_period,
        retail_calendar.retail_period_start_date,
        day_before.retail_period_start_date as prior_period_start_date,
        last_year.retail_period_start_date as last_year_period_start_date
    from retail_calendar
    left join dates as day_before
        on
            day_before.date_day
            = cast({{ dbt.dateadd('day', -1, 'retail_calendar.retail_period_start_date') }}
                as date)
    left join retail_calendar as last_year
        on
            retail_calendar.fiscal_year - 1 = last_year.fiscal_year
            and retail_calendar.retail_period = last_year.retail_period

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
        cast({{ dbt.dateadd('day', -7, 'week_start_date') }} as date) as prior_period_start_date,
        cast({{ dbt.dateadd('day', -364, 'week_start_date') }} as date)
            as last_year_period_start_date,
        {%- for metric in metrics %}
            {{ metric }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from weekly

    union all

    select
        retail_periods.site_id,
        retail_periods.organization_id,
        retail_periods.region_id,
        retail_periods.currency,
        'retail_period' as period_type,
        retail_periods.retail_period_start_date as period_start_date,
        retail_prior_periods.prior_period_start_date,
        retail_prior_periods.last_year_period_start_date,
        {%- for metric in metrics %}
            retail_periods.{{ metric }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from retail_periods
    left join retail_prior_periods
        on retail_periods.retail_period_start_date = retail_prior_periods.retail_period_start_date

    union all

    select
        site_id,
        organization_id,
        region_id,
        currency,
        'month' as period_type,
        month_start_date as period_start_date,
        cast({{ dbt.dateadd('month', -1, 'month_start_date') }} as date)
            as prior_period_start_date,
        cast({{ dbt.dateadd('month', -12, 'month_start_date') }} as date)
            as last_year_period_start_date,
        {%- for metric in metrics %}
            {{ metric }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from monthly

),

final as (

    select
        periods.*,
        sites.site_type,
        sites.area_sqm,
        {{ ratio('periods.net_sales', 'sites.area_sqm') }} as sales_per_sqm
    from periods
    inner join sites
        on periods.site_id = sites.site_id

)

select * from final
