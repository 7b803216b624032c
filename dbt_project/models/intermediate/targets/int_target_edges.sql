{#- One row per target and unit below its own unit, with the share of its parent's value
    the unit takes under every allocation method (so `blipee targets cascade --method` can
    recompute one with the same SQL), and its constraints. docs/targets.md states the rules:
    - equal: 1 each; weighted: the given weights (a family with none splits by history);
    - historical: last year's same period (364 days earlier) when every sibling has a year
      of history, else each sibling's average day over the 8 weeks before the period (the
      8 weeks to the newest loaded day when the period started before the history);
    - potential: the 14-day forecast over the period (a family a forecast does not cover
      splits by history);
    - bottom_up: the siblings' own targets for the same metric and period (none: history);
    - hybrid: hybrid_weight x historical + (1 - hybrid_weight) x bottom_up.
    A rate cascades by an index (the child's own rate, forecast rate or weight) and a
    weight (its footfall for conversion, its transactions for ATV and UPT).
    A table: fct_targets, its tests and `blipee targets cascade` read it. -#}
{{ config(materialized='table') }}

{%- set methods = ['equal', 'weighted', 'historical', 'potential', 'bottom_up', 'hybrid'] %}

with

requests as (

    select * from {{ ref('int_target_requests') }}

),

tree as (

    select * from {{ ref('int_target_tree') }}

),

unit_daily as (

    select * from {{ ref('int_target_unit_daily') }}

),

ancestors as (

    select * from {{ ref('int_org_unit_ancestors') }}

),

forecasts as (

    select * from {{ ref('fct_forecasts') }}

),

sites as (

    select * from {{ ref('dim_site') }}

),

constraints as (

    select * from {{ ref('stg_raw__target_constraints') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

edges as (

    select
        tree.target_id,
        tree.parent_org_unit_key,
        tree.org_unit_key,
        tree.cascade_depth,
        requests.metric,
        requests.metric_kind,
        requests.is_money,
        requests.currency,
        requests.minor_digits,
        requests.allocation_method,
        requests.hybrid_weight,
        requests.period_start_date,
        requests.period_end_date
    from tree
    inner join requests on tree.target_id = requests.target_id
    where tree.cascade_depth > 0

),

unit_first_days as (

    select
        org_unit_key,
        min(local_date) as first_date
    from unit_daily
    group by org_unit_key

),

newest as (

    select max(local_date) as newest_date from unit_daily

),

windows as (

    select
        requests.target_id,
        {{ dbt.dateadd('day', -364, 'requests.period_start_date') }} as last_year_start_date,
        {{ dbt.dateadd('day', -364, 'requests.period_end_date') }} as last_year_end_date,
        case
            when root_days.first_date < requests.period_start_date
                then {{ dbt.dateadd('day', -1, 'requests.period_start_date') }}
            else newest.newest_date
        end as recent_end_date
    from requests
    cross join newest
    left join unit_first_days as root_days on requests.org_unit_key = root_days.org_unit_key

),

history as (

    select
        edges.target_id,
        edges.org_unit_key,
        sum(case
            when
                unit_daily.local_date between windows.last_year_start_date
                and windows.last_year_end_date
                then {{ target_metric_part('edges.metric', 'numerator', 'unit_daily') }}
        end) as last_year_numerator,
        sum(case
            when
                unit_daily.local_date between windows.last_year_start_date
                and windows.last_year_end_date
                then {{ target_metric_part('edges.metric', 'denominator', 'unit_daily') }}
        end) as last_year_denominator,
        sum(case
            when
                unit_daily.local_date > {{ dbt.dateadd('day', -56, 'windows.recent_end_date') }}
                and unit_daily.local_date <= windows.recent_end_date
                then {{ target_metric_part('edges.metric', 'numerator', 'unit_daily') }}
        end) as recent_numerator,
        sum(case
            when
                unit_daily.local_date > {{ dbt.dateadd('day', -56, 'windows.recent_end_date') }}
                and unit_daily.local_date <= windows.recent_end_date
                then {{ target_metric_part('edges.metric', 'denominator', 'unit_daily') }}
        end) as recent_denominator,
        count(distinct case
            when
                unit_daily.local_date > {{ dbt.dateadd('day', -56, 'windows.recent_end_date') }}
                and unit_daily.local_date <= windows.recent_end_date
                and {{ target_metric_part('edges.metric', 'numerator', 'unit_daily') }}
                is not null
                then unit_daily.local_date
        end) as recent_days
    from edges
    inner join windows on edges.target_id = windows.target_id
    inner join unit_daily on edges.org_unit_key = unit_daily.org_unit_key
    where
        unit_daily.local_date between windows.last_year_start_date and windows.last_year_end_date
        or (
            unit_daily.local_date > {{ dbt.dateadd('day', -56, 'windows.recent_end_date') }}
            and unit_daily.local_date <= windows.recent_end_date
        )
    group by edges.target_id, edges.org_unit_key

),

site_forecasts as (

    select
        forecasts.site_id,
        forecasts.local_date,
        forecasts.target,
        sum(forecasts.yhat * case
            when forecasts.target = 'net_sales' then fx_rates.eur_per_unit else 1
        end) as forecast_value
    from forecasts
    inner join sites on forecasts.site_id = sites.site_id
    left join fx_rates on sites.currency = fx_rates.currency
    where forecasts.horizon = 'day_ahead'
    group by forecasts.site_id, forecasts.local_date, forecasts.target

),

unit_forecasts as (

    select
        edges.target_id,
        edges.org_unit_key,
        sum(case
            when
                site_forecasts.target
                = {{ target_metric_column_name('edges.metric', 'numerator') }}
                then site_forecasts.forecast_value
        end) as forecast_numerator,
        sum(case
            when
                site_forecasts.target
                = {{ target_metric_column_name('edges.metric', 'denominator') }}
                then site_forecasts.forecast_value
        end) as forecast_denominator
    from edges
    inner join ancestors on edges.org_unit_key = ancestors.ancestor_org_unit_key
    inner join site_forecasts on ancestors.org_unit_key = 'site:' || site_forecasts.site_id
    where site_forecasts.local_date between edges.period_start_date and edges.period_end_date
    group by edges.target_id, edges.org_unit_key

),

own_targets as (

    select
        edges.target_id,
        edges.org_unit_key,
        min(
            own.target_value * case
                when edges.is_money and own.currency <> edges.currency
                    then own_fx.eur_per_unit / parent_fx.eur_per_unit
                else 1
            end
        ) as own_target_value
    from edges
    inner join requests as own
        on
            edges.org_unit_key = own.org_unit_key
            and edges.metric = own.metric
            and edges.period_start_date = own.period_start_date
            and edges.period_end_date = own.period_end_date
            and edges.target_id <> own.target_id
    left join fx_rates as own_fx on own.currency = own_fx.currency
    left join fx_rates as parent_fx on edges.currency = parent_fx.currency
    where own.target_value is not null
    group by edges.target_id, edges.org_unit_key

),

bases as (

    select
        edges.*,
        unit_first_days.first_date,
        history.last_year_numerator,
        history.last_year_denominator,
        history.recent_numerator,
        history.recent_denominator,
        history.recent_days,
        unit_forecasts.forecast_numerator,
        unit_forecasts.forecast_denominator,
        own_targets.own_target_value,
        constraints.weight,
        constraints.floor_value,
        constraints.cap_value,
        constraints.min_share,
        min(
            case
                when unit_first_days.first_date <= windows.last_year_start_date then 1 else 0
            end
        ) over (partition by edges.target_id, edges.parent_org_unit_key) = 1
            as family_has_last_year,
        min(case when unit_forecasts.forecast_numerator > 0 then 1 else 0 end)
            over (partition by edges.target_id, edges.parent_org_unit_key) = 1
            as family_has_forecast,
        max(case when constraints.weight is not null then 1 else 0 end)
            over (partition by edges.target_id, edges.parent_org_unit_key) = 1
            as family_has_weights,
        max(case when own_targets.own_target_value is not null then 1 else 0 end)
            over (partition by edges.target_id, edges.parent_org_unit_key) = 1
            as family_has_own_targets
    from edges
    inner join windows on edges.target_id = windows.target_id
    left join unit_first_days on edges.org_unit_key = unit_first_days.org_unit_key
    left join history
        on edges.target_id = history.target_id and edges.org_unit_key = history.org_unit_key
    left join unit_forecasts
        on
            edges.target_id = unit_forecasts.target_id
            and edges.org_unit_key = unit_forecasts.org_unit_key
    left join own_targets
        on
            edges.target_id = own_targets.target_id
            and edges.org_unit_key = own_targets.org_unit_key
    left join constraints
        on
            edges.target_id = constraints.target_id
            and edges.org_unit_key = constraints.org_unit_key

),

methods as (

    select
        *,
        case when family_has_last_year then 'last_year' else 'last_8_weeks' end
            as history_window,
        -- what a sum is split by, per method (never below zero)
        cast(1 as double precision) as basis_equal,
        greatest(
            case
                when family_has_last_year then last_year_numerator
                else recent_numerator / nullif(recent_days, 0)
            end, 0
        ) as basis_historical,
        -- a rate's index and weight under history
        case
            when family_has_last_year then last_year_numerator / nullif(last_year_denominator, 0)
            else recent_numerator / nullif(recent_denominator, 0)
        end as history_rate,
        case
            when family_has_last_year then last_year_denominator
            else recent_denominator / nullif(recent_days, 0)
        end as history_rate_weight
    from bases

),

by_method as (

    select
        *,
        case
            when family_has_weights then greatest(coalesce(weight, 0), 0) else basis_historical
        end as basis_weighted,
        case
            when family_has_forecast then greatest(forecast_numerator, 0) else basis_historical
        end as basis_potential,
        case
            when family_has_own_targets then greatest(coalesce(own_target_value, 0), 0)
            else basis_historical
        end as basis_bottom_up,
        1.0 as rate_index_equal,
        history_rate_weight as rate_weight_equal,
        case when family_has_weights then coalesce(weight, 0) else history_rate end
            as rate_index_weighted,
        history_rate_weight as rate_weight_weighted,
        history_rate as rate_index_historical,
        history_rate_weight as rate_weight_historical,
        case
            when family_has_forecast then forecast_numerator / nullif(forecast_denominator, 0)
            else history_rate
        end as rate_index_potential,
        case when family_has_forecast then forecast_denominator else history_rate_weight end
            as rate_weight_potential,
        coalesce(own_target_value, history_rate) as rate_index_bottom_up,
        history_rate_weight as rate_weight_bottom_up,
        hybrid_weight * history_rate
        + (1 - hybrid_weight) * coalesce(own_target_value, history_rate)
            as rate_index_hybrid,
        history_rate_weight as rate_weight_hybrid
    from methods

),

shares as (

    select
        {%- for method in methods if method != 'hybrid' %}
            coalesce(
                basis_{{ method }} / nullif(
                    sum(basis_{{ method }}) over (partition by target_id, parent_org_unit_key), 0
                ),
                1.0 / count(*) over (partition by target_id, parent_org_unit_key)
            ) as share_{{ method }},
        {%- endfor %}
        *
    from by_method

),

final as (

    select
        target_id,
        parent_org_unit_key,
        org_unit_key,
        cascade_depth,
        metric_kind,
        minor_digits,
        history_window,
        first_date,
        last_year_numerator,
        recent_numerator,
        recent_days,
        forecast_numerator,
        own_target_value,
        weight,
        floor_value,
        cap_value,
        min_share,
        {%- for method in methods if method != 'hybrid' %}
            cast(case when metric_kind = 'sum' then basis_{{ method }} end as double precision)
                as basis_{{ method }},
            cast(case when metric_kind = 'sum' then share_{{ method }} end as double precision)
                as share_{{ method }},
        {%- endfor %}
        {%- for method in methods %}
            cast(rate_index_{{ method }} as double precision) as rate_index_{{ method }},
            cast(rate_weight_{{ method }} as double precision) as rate_weight_{{ method }},
        {%- endfor %}
        cast(
            case
                when metric_kind = 'sum'
                    then hybrid_weight * share_historical + (1 - hybrid_weight) * share_bottom_up
            end as double precision
        ) as share_hybrid
    from shares

)

select * from final
