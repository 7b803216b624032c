{#- One row per cascaded target and day from its period start to the newest day with data
    (the earlier of the period end and the newest local date of int_target_unit_daily):
    actual, expected and projected to date and a status (docs/targets.md, "Tracking").

      - actual to date: the unit's summed numerator (a sum metric), or summed numerator /
        summed denominator (a rate), from the period start through the day;
      - expected to date: the cumulative phased target (fct_target_daily_phasing); for a
        rate, the target rate;
      - projected end value: the actual to date plus what the days after it are expected to
        bring, in metric units: a site's day weights (int_target_day_weights.expected_value,
        the forecast or profile of the day), summed over its sites for a region or the
        organisation, and the phased target of the day where there is no expected value
        or below a site (a unit there is phased with its site's expected days, so its
        phased days are its share of them); a rate projects (numerator to date + expected
        numerators) / (denominator to date + expected denominators), and below a site its
        rate to date;
      - achievement_pct = 100 x actual / expected to date; projected_pct = 100 x projected
        end value / target_value;
      - status, the first that holds: exceeded (a sum: actual to date >= target_value; a
        rate: achievement_pct >= var target_rate_exceeded_pct, default 110), on_track
        (projected_pct >= var target_on_track_pct, default 100), at_risk (projected_pct >=
        var target_at_risk_pct, default 90), behind (below, or nothing to project);
      - a counted day is an open day (a rate: one with a denominator); it is on target when
        its actual >= its phased target (a rate: its own rate >= the target rate);
        streak_days counts the counted days on target in a row, a closed day neither
        breaking nor extending it.
    On PostgreSQL nested loops are off for the model's transaction: its plans over CTEs
    have no statistics, and a misestimated CTE would otherwise loop over another. -#}
{{ config(
    pre_hook="{% if target.type == 'postgres' %}set local enable_nestloop = off{% endif %}",
) }}
{%- set on_track_pct = var('target_on_track_pct', 100) -%}
{%- set at_risk_pct = var('target_at_risk_pct', 90) -%}
{%- set rate_exceeded_pct = var('target_rate_exceeded_pct', 110) -%}
{%- set money_columns = target_money_columns() -%}
{#- each metric's numerator and denominator column in int_target_unit_daily -#}
{%- set part_columns = {'numerator': [], 'denominator': []} -%}
{%- for name, definition in var('target_metrics').items() -%}
    {%- for part in ['numerator', 'denominator'] if definition.get(part) -%}
        {%- do part_columns[part].append((name, definition[part])) -%}
    {%- endfor -%}
{%- endfor -%}

with

phasing as (

    select * from {{ ref('fct_target_daily_phasing') }}

),

unit_daily as (

    select * from {{ ref('int_target_unit_daily') }}

),

day_weights as (

    select * from {{ ref('int_target_day_weights') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

metric_definitions as (

    {#- the dbt var target_metrics: each metric's fct_site_daily columns -#}
    {% for name, definition in var('target_metrics').items() %}
        select
            '{{ name }}' as metric,
            '{{ definition.numerator }}' as numerator_column,
            {% if definition.get('denominator') -%}
                '{{ definition.denominator }}'
            {%- else -%}
                cast(null as {{ dbt.type_string() }})
            {%- endif %} as denominator_column
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

targets as (

    select * from {{ ref('fct_targets') }}

),

sites as (

    select * from {{ ref('dim_site') }}

),

data_through as (

    select max(local_date) as newest_local_date
    from unit_daily

),

column_expectations as (

    select
        site_id,
        local_date,
        metric_column,
        expected_value
    from day_weights

),

unit_days as (

    {#- money (int_target_unit_daily and the day weights are in euros) in the target's
        currency: divided by its eur_per_unit -#}
    select
        phasing.*,
        metric_definitions.numerator_column as numerator,
        metric_definitions.denominator_column as denominator,
        case
            when metric_definitions.numerator_column in ('{{ money_columns | join("', '") }}')
                then 1.0 / fx_rates.eur_per_unit
            else 1.0
        end as numerator_per_euro,
        case
            when metric_definitions.denominator_column in ('{{ money_columns | join("', '") }}')
                then 1.0 / fx_rates.eur_per_unit
            else 1.0
        end as denominator_per_euro
    from phasing
    inner join metric_definitions
        on phasing.metric = metric_definitions.metric
    left join fx_rates
        on phasing.currency = fx_rates.currency

),

site_expectations as (

    select
        unit_days.target_key,
        unit_days.local_date,
        sum(
            case
                when column_expectations.metric_column = unit_days.numerator
                    then column_expectations.expected_value
            end
        ) as expected_numerator,
        sum(
            case
                when column_expectations.metric_column = unit_days.denominator
                    then column_expectations.expected_value
            end
        ) as expected_denominator
    from unit_days
    inner join column_expectations
        on
            unit_days.site_id = column_expectations.site_id
            and unit_days.local_date = column_expectations.local_date
            and column_expectations.metric_column in (unit_days.numerator, unit_days.denominator)
    where unit_days.org_unit_level = 'site'
    group by unit_days.target_key, unit_days.local_date

),

upper_expectations as (

    select
        unit_days.target_key,
        unit_days.local_date,
        sum(
            case
                when column_expectations.metric_column = unit_days.numerator
                    then column_expectations.expected_value
            end
        ) as expected_numerator,
        sum(
            case
                when column_expectations.metric_column = unit_days.denominator
                    then column_expectations.expected_value
            end
        ) as expected_denominator
    from unit_days
    inner join sites
        on
            unit_days.organization_id = sites.organization_id
            and (unit_days.org_unit_level = 'organization' or unit_days.region_id = sites.region_id)
    inner join column_expectations
        on
            sites.site_id = column_expectations.site_id
            and unit_days.local_date = column_expectations.local_date
            and column_expectations.metric_column in (unit_days.numerator, unit_days.denominator)
    where unit_days.site_id is null
    group by unit_days.target_key, unit_days.local_date

),

expectations as (

    select * from site_expectations
    union all
    select * from upper_expectations

),

expected_days as (

    {#- every day of the period with what it is expected to bring and the actual, if any -#}
    select
        unit_days.*,
        case
            when unit_days.metric_kind = 'sum'
                then coalesce(
                    expectations.expected_numerator * unit_days.numerator_per_euro,
                    unit_days.phased_target_value
                )
            else coalesce(expectations.expected_numerator * unit_days.numerator_per_euro, 0)
        end as expected_numerator,
        coalesce(expectations.expected_denominator * unit_days.denominator_per_euro, 0)
            as expected_denominator,
        {%- for part, parts in part_columns.items() %}
            coalesce(
                {%- if parts %}
                    case unit_days.metric
                        {%- for name, column in parts %}
                            when '{{ name }}' then unit_daily.{{ column }}
                        {%- endfor %}
                    end,
                {%- endif %}
                0
            ) * unit_days.{{ part }}_per_euro as day_{{ part }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from unit_days
    left join expectations
        on
            unit_days.target_key = expectations.target_key
            and unit_days.local_date = expectations.local_date
    left join unit_daily
        on
            unit_days.org_unit_key = unit_daily.org_unit_key
            and unit_days.local_date = unit_daily.local_date

),

running as (

    select
        *,
        sum(day_numerator) over (
            partition by target_key order by local_date
            rows between unbounded preceding and current row
        ) as numerator_to_date,
        sum(day_denominator) over (
            partition by target_key order by local_date
            rows between unbounded preceding and current row
        ) as denominator_to_date,
        coalesce(sum(expected_numerator) over (
            partition by target_key order by local_date
            rows between 1 following and unbounded following
        ), 0) as remaining_expected_numerator,
        coalesce(sum(expected_denominator) over (
            partition by target_key order by local_date
            rows between 1 following and unbounded following
        ), 0) as remaining_expected_denominator
    from expected_days

),

tracked as (

    select
        running.*,
        data_through.newest_local_date,
        case
            when running.metric_kind = 'sum' then running.numerator_to_date
            else running.numerator_to_date * 1.0 / nullif(running.denominator_to_date, 0)
        end as actual_to_date,
        case
            when running.metric_kind = 'sum' then running.day_numerator
            else running.day_numerator * 1.0 / nullif(running.day_denominator, 0)
        end as day_actual_value,
        case
            when running.metric_kind = 'sum'
                then running.numerator_to_date + running.remaining_expected_numerator
            when running.site_id is not null and running.org_unit_level != 'site'
                then running.numerator_to_date * 1.0 / nullif(running.denominator_to_date, 0)
            else
                (running.numerator_to_date + running.remaining_expected_numerator) * 1.0
                / nullif(running.denominator_to_date + running.remaining_expected_denominator, 0)
        end as projected_end_value,
        running.is_open_day
        and (running.metric_kind = 'sum' or running.day_denominator > 0) as is_counted_day
    from running
    cross join data_through
    where running.local_date <= data_through.newest_local_date

),

scored as (

    select
        *,
        cast(100.0 * actual_to_date / nullif(cumulative_phased_value, 0) as float8)
            as achievement_pct,
        cast(100.0 * projected_end_value / nullif(target_value, 0) as float8) as projected_pct,
        is_counted_day and day_actual_value >= phased_target_value as is_day_on_target
    from tracked

),

statused as (

    select
        *,
        case
            when metric_kind = 'sum' and actual_to_date >= target_value then 'exceeded'
            when metric_kind = 'rate' and achievement_pct >= {{ rate_exceeded_pct }} then 'exceeded'
            when projected_pct >= {{ on_track_pct }} then 'on_track'
            when projected_pct >= {{ at_risk_pct }} then 'at_risk'
            else 'behind'
        end as status,
        sum(case when is_counted_day and not is_day_on_target then 1 else 0 end) over (
            partition by target_key order by local_date
            rows between unbounded preceding and current row
        ) as misses_to_date
    from scored

),

streaked as (

    select
        *,
        sum(case when is_day_on_target then 1 else 0 end) over (
            partition by target_key, misses_to_date order by local_date
            rows between unbounded preceding and current row
        ) as streak_days
    from statused

),

final as (

    select
        streaked.target_key,
        streaked.target_id,
        streaked.org_unit_key,
        streaked.org_unit_level,
        streaked.org_unit_id,
        targets.org_unit_name,
        streaked.organization_id,
        streaked.region_id,
        streaked.site_id,
        streaked.metric,
        streaked.metric_kind,
        streaked.is_money,
        streaked.currency,
        streaked.period_start_date,
        streaked.period_end_date,
        streaked.local_date,
        streaked.day_number,
        streaked.days_in_period,
        cast(streaked.period_end_date - streaked.local_date as integer) as days_remaining,
        streaked.local_date = least(streaked.period_end_date, streaked.newest_local_date)
            as is_latest_day,
        streaked.target_value,
        streaked.phased_target_value as day_target_value,
        streaked.cumulative_phased_value as expected_to_date,
        cast(streaked.day_actual_value as float8) as day_actual_value,
        cast(streaked.numerator_to_date as float8) as actual_numerator_to_date,
        cast(streaked.denominator_to_date as float8) as actual_denominator_to_date,
        cast(streaked.actual_to_date as float8) as actual_to_date,
        cast(
            case when streaked.metric_kind = 'sum' then streaked.remaining_expected_numerator end
            as float8
        ) as remaining_expected_value,
        cast(streaked.projected_end_value as float8) as projected_end_value,
        streaked.achievement_pct,
        streaked.projected_pct,
        streaked.status,
        streaked.is_open_day,
        streaked.is_counted_day,
        coalesce(streaked.is_day_on_target, false) as is_day_on_target,
        cast(streaked.streak_days as integer) as streak_days
    from streaked
    inner join targets
        on streaked.target_key = targets.target_key

)

select * from final
