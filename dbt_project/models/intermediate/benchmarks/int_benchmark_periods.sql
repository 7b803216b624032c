{#- One row per benchmark period (ISO week, NRF 4-5-4 retail period, calendar month) of
    dim_date, with the start of the period before and of the like-for-like period a year
    earlier:
      - week: 7 and 364 days earlier (the like-for-like weekday rule, 52 weeks);
      - retail period: the period containing the day before, and the same period number
        of the previous fiscal year;
      - month: one and twelve months earlier. -#}

with

dates as (

    select * from {{ ref('dim_date') }}

),

weeks as (

    select distinct week_start_date as period_start_date
    from dates

),

months as (

    select distinct month_start_date as period_start_date
    from dates

),

retail_periods as (

    select distinct
        fiscal_year,
        retail_period,
        retail_period_start_date as period_start_date
    from dates

),

final as (

    select
        'week' as period_type,
        period_start_date,
        cast({{ dbt.dateadd('day', -7, 'period_start_date') }} as date)
            as prior_period_start_date,
        cast({{ dbt.dateadd('day', -364, 'period_start_date') }} as date)
            as last_year_period_start_date
    from weeks

    union all

    select
        'retail_period' as period_type,
        retail_periods.period_start_date,
        day_before.retail_period_start_date as prior_period_start_date,
        last_year.period_start_date as last_year_period_start_date
    from retail_periods
    left join dates as day_before
        on
            day_before.date_day
            = cast({{ dbt.dateadd('day', -1, 'retail_periods.period_start_date') }} as date)
    left join retail_periods as last_year
        on
            retail_periods.fiscal_year - 1 = last_year.fiscal_year
            and retail_periods.retail_period = last_year.retail_period

    union all

    select
        'month' as period_type,
        period_start_date,
        cast({{ dbt.dateadd('month', -1, 'period_start_date') }} as date)
            as prior_period_start_date,
        cast({{ dbt.dateadd('month', -12, 'period_start_date') }} as date)
            as last_year_period_start_date
    from months

)

select * from final
