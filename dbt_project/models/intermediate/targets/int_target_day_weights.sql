{#- One row per site, local date and metric column (every fct_site_daily column a metric
    of the dbt var target_metrics reads: a sum metric's numerator, a rate's numerator and
    denominator): how much of a period target the day carries, in the column's own units, so
    that a period's days phase by their weights and the weights of the days still to come
    project the period's end (docs/targets.md, "Phasing"). Dates: every day from the first
    period start to the last period end among the targets of the site's organisation.

    Rules, in order (the first that applies):
      1. closed: 0 on a day the site does not trade: no opening hours that day
         (int_site_opening_hours, where a closure takes a day's hours away), or before
         open_date or after close_date (the last trading day);
      2. forecast: the day_ahead forecast's daily total (sum of yhat, floored at 0) of the
         site's newest 14-day origin for the column, when that origin covers the whole
         local day: the origin is at or before the day's local midnight and origin + 336
         hours at or after the next midnight; only footfall, transactions and net_sales are
         forecast. The forecaster sees holidays, so no holiday factor;
      3. profile: weekday mean x season index x holiday factor, from the site's complete
         days (fct_site_daily.data_complete) that are not public holidays:
         - anchor = the Monday of the day's ISO week, at most the Monday after the week of
           the site's newest complete day (days to come take the newest history);
         - weekday mean = the mean of the same ISO weekday over the 8 weeks before the
           anchor; else over all the site's history of that weekday; else over all of it;
         - season index (8-week mean only, else 1) = the mean day of the same calendar
           month a year earlier / the mean day of the 8 weeks before the anchor a year (52
           weeks) earlier, when both have complete days; else 1;
         - holiday factor on an open public holiday = the mean, over the site's complete
           public holidays before the anchor, of the holiday's value / the mean of its
           weekday over the 8 weeks before its week; 1 on other days or with no such
           holiday;
      4. default: 1 on an open day of a site without any complete history.
    expected_value is the day's weight in the column's units, money in euros at the seed
    fx_rates like int_target_unit_daily (null for a default day). Every 8-week window ends
    on a Monday, so each complete day is spread to the 8 anchors after it and every window
    is an equality join. A table, not a view: the phasing and the progress marts read it.
    On PostgreSQL, whose plans over CTEs have no statistics, nested loops are off for the
    model's transaction (a misestimated CTE would otherwise loop over another). -#}
{{ config(
    materialized='table',
    pre_hook="{% if target.type == 'postgres' %}set local enable_nestloop = off{% endif %}",
) }}
{%- set metric_columns = target_metric_columns() -%}
{%- set money_columns = target_money_columns() -%}
{%- set day_ahead_hours = 14 * 24 -%}

with

requests as (

    select * from {{ ref('int_target_requests') }}

),

sites as (

    select * from {{ ref('dim_site') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

opening_hours as (

    select * from {{ ref('int_site_opening_hours') }}

),

site_holidays as (

    select * from {{ ref('int_site_holidays') }}

),

site_daily as (

    select * from {{ ref('fct_site_daily') }}

),

forecasts as (

    select * from {{ ref('fct_forecasts') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

metric_columns as (

    {% for column in metric_columns %}
        select '{{ column }}' as metric_column
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

organization_ranges as (

    select
        organization_id,
        min(period_start_date) as first_date,
        max(period_end_date) as last_date
    from requests
    group by organization_id

),

site_daily_rated as (

    select
        site_daily.*,
        fx_rates.eur_per_unit
    from site_daily
    left join fx_rates
        on site_daily.currency = fx_rates.currency

),

history as (

    {#- the complete days of every site, one row per metric column, with the day's value
        (money in euros) -#}
    {%- for column in metric_columns %}
        select
            site_daily.site_id,
            '{{ column }}' as metric_column,
            site_daily.local_date,
            cast(
                site_daily.{{ column }}
                {%- if column in money_columns %} * site_daily.eur_per_unit{% endif %}
                as float8
            ) as metric_value
        from site_daily_rated as site_daily
        where
            site_daily.data_complete
            and site_daily.{{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

history_days as (

    select
        history.site_id,
        history.metric_column,
        history.local_date,
        history.metric_value,
        calendar.day_of_week_iso,
        calendar.week_start_date,
        calendar.month_start_date,
        site_holidays.site_id is not null as is_public_holiday
    from history
    inner join calendar
        on history.local_date = calendar.date_day
    left join site_holidays
        on
            history.site_id = site_holidays.site_id
            and history.local_date = site_holidays.holiday_date

),

regular_history as (

    select * from history_days
    where not is_public_holiday

),

newest_history as (

    select
        site_id,
        max(week_start_date) as newest_week_start_date
    from history_days
    group by site_id

),

week_offsets as (

    select n as weeks_before
    from ({{ numbers(1) }}) as digits
    where n between 1 and 8

),

window_days as (

    {#- each complete non-holiday day in the 8-week windows of the 8 Mondays after its week -#}
    select
        regular_history.site_id,
        regular_history.metric_column,
        regular_history.day_of_week_iso,
        regular_history.metric_value,
        regular_history.week_start_date + 7 * week_offsets.weeks_before as anchor_date
    from regular_history
    cross join week_offsets

),

site_days as (

    select
        sites.site_id,
        sites.organization_id,
        sites.region_id,
        sites.timezone,
        sites.open_date,
        sites.close_date,
        calendar.date_day as local_date,
        calendar.day_of_week_iso,
        calendar.month_start_date,
        case
            when newest_history.newest_week_start_date + 7 < calendar.week_start_date
                then newest_history.newest_week_start_date + 7
            else calendar.week_start_date
        end as anchor_date
    from sites
    inner join organization_ranges
        on sites.organization_id = organization_ranges.organization_id
    inner join calendar
        on
            calendar.date_day
            between organization_ranges.first_date and organization_ranges.last_date
    left join newest_history
        on sites.site_id = newest_history.site_id

),

trading_days as (

    select
        site_days.*,
        site_holidays.holiday_name,
        site_holidays.site_id is not null as is_public_holiday,
        opening_hours.site_id is not null
        and site_days.local_date >= site_days.open_date
        and (site_days.close_date is null or site_days.local_date <= site_days.close_date)
            as is_open_day
    from site_days
    left join opening_hours
        on
            site_days.site_id = opening_hours.site_id
            and site_days.day_of_week_iso = opening_hours.iso_weekday
            and site_days.local_date between opening_hours.valid_from and opening_hours.valid_to
    left join site_holidays
        on
            site_days.site_id = site_holidays.site_id
            and site_days.local_date = site_holidays.holiday_date

),

window_weekday_totals as (

    select
        site_id,
        metric_column,
        anchor_date,
        day_of_week_iso,
        sum(metric_value) as total_value,
        count(*) as day_count
    from window_days
    group by site_id, metric_column, anchor_date, day_of_week_iso

),

recent_weekday_means as (

    select
        site_id,
        metric_column,
        anchor_date,
        day_of_week_iso,
        total_value / day_count as weekday_mean
    from window_weekday_totals

),

window_means as (

    {#- all weekdays of each window, from the weekday totals (not the 8-fold days again) -#}
    select
        site_id,
        metric_column,
        anchor_date,
        sum(total_value) / sum(day_count) as mean_value
    from window_weekday_totals
    group by site_id, metric_column, anchor_date

),

all_weekday_means as (

    select
        site_id,
        metric_column,
        day_of_week_iso,
        avg(metric_value) as weekday_mean
    from regular_history
    group by site_id, metric_column, day_of_week_iso

),

all_day_means as (

    select
        site_id,
        metric_column,
        avg(metric_value) as day_mean
    from regular_history
    group by site_id, metric_column

),

month_means as (

    select
        site_id,
        metric_column,
        month_start_date,
        avg(metric_value) as month_mean
    from regular_history
    group by site_id, metric_column, month_start_date

),

past_holiday_ratios as (

    {#- each complete public holiday against its weekday over the 8 weeks before its week -#}
    select
        holidays.site_id,
        holidays.metric_column,
        holidays.local_date,
        holidays.metric_value / nullif(recent_weekday_means.weekday_mean, 0) as holiday_ratio
    from history_days as holidays
    inner join recent_weekday_means
        on
            holidays.site_id = recent_weekday_means.site_id
            and holidays.metric_column = recent_weekday_means.metric_column
            and holidays.week_start_date = recent_weekday_means.anchor_date
            and holidays.day_of_week_iso = recent_weekday_means.day_of_week_iso
    where holidays.is_public_holiday

),

holiday_factors as (

    select
        trading_days.site_id,
        past_holiday_ratios.metric_column,
        trading_days.local_date,
        avg(past_holiday_ratios.holiday_ratio) as holiday_factor
    from trading_days
    inner join past_holiday_ratios
        on
            trading_days.site_id = past_holiday_ratios.site_id
            and trading_days.anchor_date > past_holiday_ratios.local_date
    where trading_days.is_public_holiday and trading_days.is_open_day
    group by trading_days.site_id, past_holiday_ratios.metric_column, trading_days.local_date

),

newest_origins as (

    select
        forecasts.site_id,
        forecasts.target as metric_column,
        max(forecasts.origin_at) as origin_at
    from forecasts
    where forecasts.horizon = 'day_ahead'
    group by forecasts.site_id, forecasts.target

),

forecast_coverage as (

    {#- the local days the newest origin forecasts whole: from its first local midnight to
        the last midnight within origin + 336 hours -#}
    select
        newest_origins.site_id,
        newest_origins.metric_column,
        newest_origins.origin_at,
        cast(
            {{ to_local(dbt.dateadd('second', -1, 'newest_origins.origin_at'), 'sites.timezone') }}
            as date
        ) + 1 as first_covered_date,
        cast(
            {{ to_local(dbt.dateadd('hour', day_ahead_hours, 'newest_origins.origin_at'),
                        'sites.timezone') }}
            as date
        ) - 1 as last_covered_date
    from newest_origins
    inner join sites
        on newest_origins.site_id = sites.site_id

),

forecast_days as (

    {#- money in euros, as the history -#}
    select
        forecasts.site_id,
        forecast_coverage.metric_column,
        forecasts.local_date,
        greatest(sum(forecasts.yhat), 0)
        * case
            when forecast_coverage.metric_column in ('{{ money_columns | join("', '") }}')
                then max(fx_rates.eur_per_unit)
            else 1
        end as forecast_value
    from forecasts
    inner join forecast_coverage
        on
            forecasts.site_id = forecast_coverage.site_id
            and forecasts.target = forecast_coverage.metric_column
            and forecasts.origin_at = forecast_coverage.origin_at
    inner join sites
        on forecasts.site_id = sites.site_id
    left join fx_rates
        on sites.currency = fx_rates.currency
    where
        forecasts.horizon = 'day_ahead'
        and forecasts.local_date between forecast_coverage.first_covered_date
        and forecast_coverage.last_covered_date
    group by forecasts.site_id, forecast_coverage.metric_column, forecasts.local_date

),

profiled as (

    select
        trading_days.site_id,
        trading_days.organization_id,
        trading_days.region_id,
        trading_days.local_date,
        metric_columns.metric_column,
        trading_days.is_open_day,
        trading_days.is_public_holiday,
        trading_days.holiday_name,
        trading_days.anchor_date,
        forecast_days.forecast_value,
        case
            when recent_weekday_means.weekday_mean is not null then 'last_8_weeks'
            when all_weekday_means.weekday_mean is not null then 'weekday_history'
            when all_day_means.day_mean is not null then 'all_history'
        end as weekday_mean_basis,
        coalesce(
            recent_weekday_means.weekday_mean,
            all_weekday_means.weekday_mean,
            all_day_means.day_mean
        ) as weekday_mean,
        case
            when recent_weekday_means.weekday_mean is not null
                then coalesce(month_means.month_mean / nullif(base_last_year.mean_value, 0), 1)
            else 1
        end as season_index,
        case
            when trading_days.is_public_holiday then coalesce(holiday_factors.holiday_factor, 1)
            else 1
        end as holiday_factor
    from trading_days
    cross join metric_columns
    left join forecast_days
        on
            trading_days.site_id = forecast_days.site_id
            and metric_columns.metric_column = forecast_days.metric_column
            and trading_days.local_date = forecast_days.local_date
    left join recent_weekday_means
        on
            trading_days.site_id = recent_weekday_means.site_id
            and metric_columns.metric_column = recent_weekday_means.metric_column
            and trading_days.anchor_date = recent_weekday_means.anchor_date
            and trading_days.day_of_week_iso = recent_weekday_means.day_of_week_iso
    left join all_weekday_means
        on
            trading_days.site_id = all_weekday_means.site_id
            and metric_columns.metric_column = all_weekday_means.metric_column
            and trading_days.day_of_week_iso = all_weekday_means.day_of_week_iso
    left join all_day_means
        on
            trading_days.site_id = all_day_means.site_id
            and metric_columns.metric_column = all_day_means.metric_column
    left join month_means
        on
            trading_days.site_id = month_means.site_id
            and metric_columns.metric_column = month_means.metric_column
            and month_means.month_start_date
            = cast({{ dbt.dateadd('year', -1, 'trading_days.month_start_date') }} as date)
    left join window_means as base_last_year
        on
            trading_days.site_id = base_last_year.site_id
            and metric_columns.metric_column = base_last_year.metric_column
            and trading_days.anchor_date - 364 = base_last_year.anchor_date
    left join holiday_factors
        on
            trading_days.site_id = holiday_factors.site_id
            and metric_columns.metric_column = holiday_factors.metric_column
            and trading_days.local_date = holiday_factors.local_date

),

weighted as (

    select
        *,
        case
            when not is_open_day then 'closed'
            when forecast_value is not null then 'forecast'
            when weekday_mean is not null then 'profile'
            else 'default'
        end as weight_source,
        case
            when not is_open_day then 0
            when forecast_value is not null then forecast_value
            else weekday_mean * season_index * holiday_factor
        end as expected_value
    from profiled

),

final as (

    select
        site_id,
        organization_id,
        region_id,
        local_date,
        metric_column,
        is_open_day,
        is_public_holiday,
        holiday_name,
        weight_source,
        anchor_date,
        cast(forecast_value as float8) as forecast_value,
        weekday_mean_basis,
        cast(weekday_mean as float8) as weekday_mean,
        cast(season_index as float8) as season_index,
        cast(holiday_factor as float8) as holiday_factor,
        cast(expected_value as float8) as expected_value,
        cast(
            case when weight_source = 'default' then 1 else expected_value end as float8
        ) as day_weight
    from weighted

)

select * from final
