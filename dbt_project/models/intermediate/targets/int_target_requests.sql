{#- One row per target as set by a person, ready to cascade: its period resolved from
    period_type (a week is 7 days from the start; a month, quarter or 4-5-4 period the one
    the start falls in), the allocation its method stands for, the level it cascades down
    to, and its value in whole minor units (money) or whole counts. -#}

with

targets as (

    select * from {{ ref('stg_raw__targets_input') }}

),

units as (

    select * from {{ ref('dim_org_unit') }}

),

organizations as (

    select * from {{ ref('stg_raw__organizations') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

metrics as (

    {{ target_metric_rows() }}

),

period_ends as (

    select
        date_day,
        max(date_day) over (partition by calendar_year, month_of_year) as month_end_date,
        max(date_day) over (partition by calendar_year, calendar_quarter)
            as quarter_end_date,
        max(date_day) over (partition by fiscal_year, retail_period) as retail_period_end_date
    from calendar

),

resolved as (

    select
        targets.target_id,
        targets.target_name,
        targets.organization_id,
        targets.target_level || ':' || targets.level_id as org_unit_key,
        targets.metric,
        metrics.metric_kind,
        metrics.is_money,
        coalesce(targets.period_type, 'custom') as period_type,
        targets.period_start_date,
        cast(coalesce(
            targets.period_end_date,
            case targets.period_type
                when 'day' then targets.period_start_date
                when 'week' then {{ dbt.dateadd('day', 6, 'targets.period_start_date') }}
                when 'month' then period_ends.month_end_date
                when 'quarter' then period_ends.quarter_end_date
                when 'period_454' then period_ends.retail_period_end_date
            end
        ) as date) as period_end_date,
        targets.target_value,
        targets.stretch_value,
        targets.minimum_value,
        case
            when metrics.is_money
                then coalesce(targets.currency, units.currency, organizations.reporting_currency)
        end as currency,
        coalesce(targets.target_method, 'historical') as cascade_method,
        -- top_down and manual split the parent by history, the default top-down allocation
        case
            when coalesce(targets.target_method, 'manual') in ('manual', 'top_down')
                then 'historical'
            else targets.target_method
        end as allocation_method,
        coalesce(targets.hybrid_weight, 0.5) as hybrid_weight,
        coalesce(
            targets.cascade_to_level,
            case
                when {{ org_level_rank('targets.target_level') }} <= 3 then 'site'
                else targets.target_level
            end
        ) as cascade_to_level
    from targets
    inner join metrics on targets.metric = metrics.metric
    left join units on targets.target_level || ':' || targets.level_id = units.org_unit_key
    left join organizations on targets.organization_id = organizations.organization_id
    left join period_ends on targets.period_start_date = period_ends.date_day

),

final as (

    select
        *,
        case
            when metric_kind = 'rate' then null
            when is_money then {{ currency_minor_digits('currency') }}
            else 0
        end as minor_digits,
        {{ org_level_rank('cascade_to_level') }} as cascade_to_rank
    from resolved

)

select
    *,
    case
        when metric_kind = 'sum'
            then cast(round(target_value * power(10, minor_digits)) as bigint)
    end as target_value_minor
from final
