{#- One row per calendar day from var calendar_start to var calendar_end, with the ISO
    calendar and the NRF 4-5-4 retail calendar (nrf.com/resources/4-5-4-calendar):
      - a fiscal year ends on the Saturday nearest 31 January and is named by the calendar
        year in which it begins (FY2024 = 2024-02-04 .. 2025-02-01);
      - four quarters of 13 weeks, each split into periods of 4, 5 and 4 weeks;
      - a 53-week year (e.g. FY2023 = 2023-01-29 .. 2024-02-03) puts its 53rd week into
        the last period (period 12, quarter 4).
    Public holidays differ by country and region: they are in dim_holiday (and per site in
    int_site_holidays), not here. Days are generated from a numbers CTE so DuckDB and
    PostgreSQL read the same SQL. -#}
{%- set calendar_start = var('calendar_start') -%}
{%- set calendar_end = var('calendar_end') -%}
{%- set start_literal = "cast('" ~ calendar_start ~ "' as date)" -%}
{%- set end_literal = "cast('" ~ calendar_end ~ "' as date)" -%}
{%- set first_year = (calendar_start[:4] | int) - 1 -%}
{%- set year_count = (calendar_end[:4] | int) - first_year + 2 -%}

with

day_numbers as (

    {{ numbers(5) }}

),

days as (

    select cast({{ dbt.dateadd('day', 'n', start_literal) }} as date) as date_day
    from day_numbers
    where n <= {{ dbt.datediff(start_literal, end_literal, 'day') }}

),

years as (

    select {{ first_year }} + n as calendar_year
    from ({{ numbers(3) }}) as thousand
    where n < {{ year_count }}

),

january_ends as (

    select
        calendar_year,
        make_date(calendar_year, 1, 31) as january_31,
        {{ date_part_int('dow', 'make_date(calendar_year, 1, 31)') }}
            as january_31_dow
    from years

),

nearest_saturdays as (

    {#- 6 - dow days ahead is the next Saturday (0 when 31 January is one); beyond 3 days
        ahead the previous Saturday is nearer -#}
    select
        calendar_year,
        cast({{ dbt.dateadd(
            'day',
            'case when 6 - january_31_dow <= 3 then 6 - january_31_dow '
            'else 6 - january_31_dow - 7 end',
            'january_31') }} as date) as saturday_nearest_january_31
    from january_ends

),

fiscal_years as (

    select
        calendar_year as fiscal_year,
        cast({{ dbt.dateadd('day', 1, 'saturday_nearest_january_31') }} as date)
            as fiscal_year_start_date,
        lead(saturday_nearest_january_31) over (order by calendar_year)
            as fiscal_year_end_date
    from nearest_saturdays

),

retail_days as (

    select
        days.date_day,
        fiscal_years.fiscal_year,
        fiscal_years.fiscal_year_start_date,
        fiscal_years.fiscal_year_end_date,
        -- a date minus a date is a whole number of days on DuckDB and PostgreSQL alike
        days.date_day - fiscal_years.fiscal_year_start_date + 1 as fiscal_day_of_year,
        cast(
            (fiscal_years.fiscal_year_end_date - fiscal_years.fiscal_year_start_date + 1) / 7
            as integer
        ) as retail_weeks_in_year
    from days
    inner join fiscal_years
        on
            days.date_day between fiscal_years.fiscal_year_start_date
            and fiscal_years.fiscal_year_end_date

),

retail_weeks as (

    select
        *,
        cast(floor((fiscal_day_of_year - 1) / 7.0) as integer) + 1 as retail_week
    from retail_days

),

retail_quarters as (

    select
        *,
        least(4, cast(floor((retail_week - 1) / 13.0) as integer) + 1) as retail_quarter
    from retail_weeks

),

retail_periods as (

    select
        *,
        retail_week - 13 * (retail_quarter - 1) as retail_week_of_quarter,
        case
            when retail_week - 13 * (retail_quarter - 1) <= 4 then 1
            when retail_week - 13 * (retail_quarter - 1) <= 9 then 2
            else 3
        end as retail_period_of_quarter
    from retail_quarters

),

retail_calendar as (

    select
        *,
        (retail_quarter - 1) * 3 + retail_period_of_quarter as retail_period,
        retail_week_of_quarter
        - case retail_period_of_quarter when 1 then 0 when 2 then 4 else 9 end
            as retail_week_of_period,
        -- a date plus a whole number of days is a date on DuckDB and PostgreSQL alike
        fiscal_year_start_date + cast((retail_week - 1) * 7 as integer)
            as retail_week_start_date,
        fiscal_year_start_date + cast(
            7 * (
                13 * (retail_quarter - 1)
                + case retail_period_of_quarter when 1 then 0 when 2 then 4 else 9 end
            ) as integer
        ) as retail_period_start_date
    from retail_periods

),

calendar as (

    select
        retail_calendar.*,
        {{ date_part_int('year', 'date_day') }} as calendar_year,
        {{ date_part_int('quarter', 'date_day') }} as calendar_quarter,
        {{ date_part_int('month', 'date_day') }} as month_of_year,
        {{ date_part_int('day', 'date_day') }} as day_of_month,
        {{ date_part_int('isodow', 'date_day') }} as day_of_week_iso,
        {{ date_part_int('isoyear', 'date_day') }} as iso_year,
        {{ date_part_int('week', 'date_day') }} as iso_week,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date
    from retail_calendar

),

final as (

    select
        calendar.date_day,
        calendar.calendar_year,
        calendar.calendar_quarter,
        calendar.month_of_year,
        case calendar.month_of_year
            when 1 then 'January' when 2 then 'February' when 3 then 'March'
            when 4 then 'April' when 5 then 'May' when 6 then 'June'
            when 7 then 'July' when 8 then 'August' when 9 then 'September'
            when 10 then 'October' when 11 then 'November' else 'December'
        end as month_name,
        calendar.month_start_date,
        calendar.day_of_month,
        calendar.day_of_week_iso,
        case calendar.day_of_week_iso
            when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday'
            when 4 then 'Thursday' when 5 then 'Friday' when 6 then 'Saturday'
            else 'Sunday'
        end as day_name,
        calendar.day_of_week_iso in (6, 7) as is_weekend,
        calendar.iso_year,
        calendar.iso_week,
        calendar.date_day + cast(1 - calendar.day_of_week_iso as integer) as week_start_date,
        calendar.fiscal_year,
        calendar.fiscal_year_start_date,
        calendar.fiscal_year_end_date,
        calendar.fiscal_day_of_year,
        calendar.retail_weeks_in_year,
        calendar.retail_weeks_in_year = 53 as is_53_week_year,
        calendar.retail_quarter,
        calendar.retail_period,
        {#- NRF names each period after the month it mostly covers: period 1 = February -#}
        
        case calendar.retail_period
            when 1 then 'February' when 2 then 'March' when 3 then 'April'
            when 4 then 'May' when 5 then 'June' when 6 then 'July'
            when 7 then 'August' when 8 then 'September' when 9 then 'October'
            when 10 then 'November' when 11 then 'December' else 'January'
        end as retail_period_name,
        calendar.retail_period_start_date,
        calendar.retail_week,
        calendar.retail_week_of_quarter,
        calendar.retail_week_of_period,
        calendar.retail_week_start_date
    from calendar

)

select * from final
