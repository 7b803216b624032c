{#- One row per cascaded target (fct_targets.target_key) and day of its period: the period
    target phased into days (docs/targets.md, "Phasing").

    Sum metrics are phased in whole minor units (money to the currency's minor unit, counts
    to 1) by largest remainder, so a target's days sum exactly to target_value:
      - a site, or a unit below a site (department, team, staff), by its site's day
        weights for the metric (int_target_day_weights.day_weight; 0 on a closed day);
      - a unit above sites (organisation, region) by the sum of the phased days of the site
        rows of the same target_id within it (its region_id, or its organization_id for
        the organisation), which reproduces that sum exactly when its target is the sum of
        theirs; without site rows (a target cascaded no lower) by the summed day weights of
        its sites in dim_site;
      - each day gets floor(minor x weight / total weight) and the units left over go one
        each to the days with the largest fractional remainders, earlier days first on a
        tie; a period whose weights are all 0 is phased equally over all its days.
    A rate (metric_kind rate) is not phased: every day's target is the rate itself. Its
    open days are those of the rate's denominator column.
    On PostgreSQL nested loops are off for the model's transaction: its plans over CTEs
    have no statistics, and a misestimated CTE would otherwise loop over another. -#}
{{ config(
    pre_hook="{% if target.type == 'postgres' %}set local enable_nestloop = off{% endif %}",
) }}

with

targets as (

    select * from {{ ref('fct_targets') }}

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

day_weights as (

    select * from {{ ref('int_target_day_weights') }}

),

sites as (

    select * from {{ ref('dim_site') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

column_weights as (

    select
        site_id,
        local_date,
        metric_column,
        is_open_day,
        weight_source,
        day_weight
    from day_weights

),

scaled_targets as (

    select
        targets.target_key,
        targets.target_id,
        targets.org_unit_key,
        targets.org_unit_level,
        targets.org_unit_id,
        targets.organization_id,
        targets.region_id,
        targets.site_id,
        targets.metric,
        targets.metric_kind,
        targets.is_money,
        targets.currency,
        cast(targets.period_start_date as date) as period_start_date,
        cast(targets.period_end_date as date) as period_end_date,
        targets.target_value,
        case
            when targets.metric_kind = 'rate' then metric_definitions.denominator_column
            else metric_definitions.numerator_column
        end as weight_column,
        case
            when targets.is_money
                then cast(power(10, {{ currency_minor_digits('targets.currency') }}) as bigint)
            else 1
        end as minor_units_per_unit
    from targets
    inner join metric_definitions
        on targets.metric = metric_definitions.metric

),

target_days as (

    select
        scaled_targets.*,
        calendar.date_day as local_date,
        calendar.date_day - scaled_targets.period_start_date + 1 as day_number,
        scaled_targets.period_end_date - scaled_targets.period_start_date + 1 as days_in_period,
        cast(round(scaled_targets.target_value * scaled_targets.minor_units_per_unit) as bigint)
            as target_minor
    from scaled_targets
    inner join calendar
        on
            calendar.date_day between scaled_targets.period_start_date
            and scaled_targets.period_end_date

),

site_unit_days as (

    {#- a site or a unit below one: its site's weights -#}
    select
        target_days.*,
        coalesce(column_weights.is_open_day, false) as is_open_day,
        coalesce(column_weights.weight_source, 'missing') as weight_source,
        coalesce(column_weights.day_weight, 0) as day_weight
    from target_days
    left join column_weights
        on
            target_days.site_id = column_weights.site_id
            and target_days.local_date = column_weights.local_date
            and target_days.weight_column = column_weights.metric_column
    where target_days.site_id is not null

),

upper_site_weights as (

    {#- a unit above sites: the summed weights of its sites -#}
    select
        target_days.target_key,
        target_days.local_date,
        max(case when column_weights.is_open_day then 1 else 0 end) = 1 as is_open_day,
        sum(column_weights.day_weight) as day_weight
    from target_days
    inner join sites
        on
            target_days.organization_id = sites.organization_id
            and (
                target_days.org_unit_level = 'organization'
                or target_days.region_id = sites.region_id
            )
    inner join column_weights
        on
            sites.site_id = column_weights.site_id
            and target_days.local_date = column_weights.local_date
            and target_days.weight_column = column_weights.metric_column
    where target_days.site_id is null
    group by target_days.target_key, target_days.local_date

),

site_sums_weighted as (

    select
        *,
        sum(day_weight) over (partition by target_key) as total_weight
    from site_unit_days
    where metric_kind = 'sum'

),

site_sums_raw as (

    select
        *,
        cast(
            target_minor * case when total_weight > 0 then day_weight else 1 end * 1.0
            / sum(case when total_weight > 0 then day_weight else 1 end)
                over (partition by target_key)
            as {{ dbt.type_numeric() }}
        ) as raw_minor
    from site_sums_weighted

),

site_sums_floored as (

    select
        *,
        floor(raw_minor) as floor_minor,
        raw_minor - floor(raw_minor) as remainder_minor
    from site_sums_raw

),

site_sums_ranked as (

    select
        *,
        target_minor - sum(floor_minor) over (partition by target_key) as leftover_minor,
        row_number() over (
            partition by target_key order by remainder_minor desc, local_date asc
        ) as remainder_rank
    from site_sums_floored

),

site_sums_phased as (

    select
        target_key,
        target_id,
        org_unit_level,
        organization_id,
        region_id,
        local_date,
        is_open_day,
        case when total_weight > 0 then weight_source else 'equal' end as weight_source,
        day_weight,
        cast(
            floor_minor + case when remainder_rank <= leftover_minor then 1 else 0 end
            as bigint
        ) as phased_minor
    from site_sums_ranked

),

upper_from_site_rows as (

    select
        target_days.target_key,
        target_days.local_date,
        sum(site_sums_phased.phased_minor) as day_weight
    from target_days
    inner join site_sums_phased
        on
            target_days.target_id = site_sums_phased.target_id
            and target_days.local_date = site_sums_phased.local_date
            and target_days.organization_id = site_sums_phased.organization_id
            and (
                target_days.org_unit_level = 'organization'
                or target_days.region_id = site_sums_phased.region_id
            )
    where
        target_days.site_id is null
        and target_days.metric_kind = 'sum'
        and site_sums_phased.org_unit_level = 'site'
    group by target_days.target_key, target_days.local_date

),

upper_days as (

    select
        target_days.*,
        coalesce(upper_site_weights.is_open_day, false) as is_open_day,
        upper_from_site_rows.day_weight as site_rows_weight,
        coalesce(upper_site_weights.day_weight, 0) as site_weights_weight,
        max(case when upper_from_site_rows.target_key is not null then 1 else 0 end)
            over (partition by target_days.target_key)
        = 1 as has_site_rows
    from target_days
    left join upper_site_weights
        on
            target_days.target_key = upper_site_weights.target_key
            and target_days.local_date = upper_site_weights.local_date
    left join upper_from_site_rows
        on
            target_days.target_key = upper_from_site_rows.target_key
            and target_days.local_date = upper_from_site_rows.local_date
    where target_days.site_id is null

),

upper_sums_weighted as (

    select
        *,
        case
            when has_site_rows then 'site_targets'
            else 'site_weights'
        end as weight_source,
        case
            when has_site_rows then coalesce(site_rows_weight, 0)
            else site_weights_weight
        end as day_weight
    from upper_days
    where metric_kind = 'sum'

),

upper_sums_totals as (

    select
        *,
        sum(day_weight) over (partition by target_key) as total_weight
    from upper_sums_weighted

),

upper_sums_raw as (

    select
        *,
        cast(
            target_minor * case when total_weight > 0 then day_weight else 1 end * 1.0
            / sum(case when total_weight > 0 then day_weight else 1 end)
                over (partition by target_key)
            as {{ dbt.type_numeric() }}
        ) as raw_minor
    from upper_sums_totals

),

upper_sums_floored as (

    select
        *,
        floor(raw_minor) as floor_minor,
        raw_minor - floor(raw_minor) as remainder_minor
    from upper_sums_raw

),

upper_sums_ranked as (

    select
        *,
        target_minor - sum(floor_minor) over (partition by target_key) as leftover_minor,
        row_number() over (
            partition by target_key order by remainder_minor desc, local_date asc
        ) as remainder_rank
    from upper_sums_floored

),

upper_sums_phased as (

    select
        target_key,
        local_date,
        is_open_day or day_weight > 0 as is_open_day,
        case when total_weight > 0 then weight_source else 'equal' end as weight_source,
        day_weight,
        cast(
            floor_minor + case when remainder_rank <= leftover_minor then 1 else 0 end
            as bigint
        ) as phased_minor
    from upper_sums_ranked

),

phased_days as (

    select
        target_key,
        local_date,
        is_open_day,
        weight_source,
        cast(day_weight as float8) as day_weight,
        phased_minor
    from site_sums_phased
    union all
    select
        target_key,
        local_date,
        is_open_day,
        weight_source,
        cast(day_weight as float8) as day_weight,
        phased_minor
    from upper_sums_phased
    union all
    select
        target_key,
        local_date,
        is_open_day,
        'rate' as weight_source,
        cast(day_weight as float8) as day_weight,
        cast(null as bigint) as phased_minor
    from site_unit_days
    where metric_kind = 'rate'
    union all
    select
        target_key,
        local_date,
        is_open_day,
        'rate' as weight_source,
        cast(site_weights_weight as float8) as day_weight,
        cast(null as bigint) as phased_minor
    from upper_days
    where metric_kind = 'rate'

),

final as (

    select
        target_days.target_key,
        target_days.target_id,
        target_days.org_unit_key,
        target_days.org_unit_level,
        target_days.org_unit_id,
        target_days.organization_id,
        target_days.region_id,
        target_days.site_id,
        target_days.metric,
        target_days.metric_kind,
        target_days.is_money,
        target_days.currency,
        target_days.period_start_date,
        target_days.period_end_date,
        target_days.local_date,
        cast(target_days.day_number as integer) as day_number,
        cast(target_days.days_in_period as integer) as days_in_period,
        phased_days.is_open_day,
        phased_days.weight_source,
        phased_days.day_weight,
        target_days.target_value,
        target_days.minor_units_per_unit,
        phased_days.phased_minor as phased_target_minor,
        cast(
            case
                when target_days.metric_kind = 'rate' then target_days.target_value
                else phased_days.phased_minor * 1.0 / target_days.minor_units_per_unit
            end as {{ dbt.type_numeric() }}
        ) as phased_target_value,
        cast(
            case
                when target_days.metric_kind = 'rate' then target_days.target_value
                else sum(phased_days.phased_minor) over (
                    partition by target_days.target_key
                    order by target_days.local_date
                    rows between unbounded preceding and current row
                ) * 1.0 / target_days.minor_units_per_unit
            end as {{ dbt.type_numeric() }}
        ) as cumulative_phased_value
    from target_days
    inner join phased_days
        on
            target_days.target_key = phased_days.target_key
            and target_days.local_date = phased_days.local_date

)

select * from final
