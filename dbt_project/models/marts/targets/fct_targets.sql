{#- The cascaded targets at every level: one row per target as set (target_id) and unit of
    its cascade, from the unit it was set at (depth 0) down to its cascade_to level, with the
    method, the share of the parent and what the share came from. Sums are in the target's
    currency (or whole counts) and the children add up exactly to their parent; a rate is
    the child's own rate. Stretch and minimum values scale with the target. -#}

with

cascade as (

    select * from {{ ref('int_target_cascade') }}

),

requests as (

    select * from {{ ref('int_target_requests') }}

),

edges as (

    select * from {{ ref('int_target_edges') }}

),

units as (

    select * from {{ ref('dim_org_unit') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

valued as (

    select
        cascade.*,
        requests.target_name,
        requests.metric,
        requests.metric_kind,
        requests.is_money,
        requests.currency,
        requests.minor_digits,
        requests.period_type,
        requests.period_start_date,
        requests.period_end_date,
        requests.cascade_method,
        requests.allocation_method,
        requests.cascade_to_level,
        case
            when requests.metric_kind = 'rate'
                then cast(cascade.rate_value as decimal(38, 6))
            else cast(cascade.value_minor / power(10, requests.minor_digits) as decimal(38, 6))
        end as target_value,
        cast(requests.stretch_value as double precision)
        / nullif(requests.target_value, 0) as stretch_ratio,
        cast(requests.minimum_value as double precision)
        / nullif(requests.target_value, 0) as minimum_ratio
    from cascade
    inner join requests on cascade.target_id = requests.target_id

),

final as (

    select
        valued.target_id || '|' || valued.org_unit_key as target_key,
        valued.target_id,
        valued.target_name,
        case
            when valued.parent_org_unit_key is not null
                then valued.target_id || '|' || valued.parent_org_unit_key
        end as parent_target_key,
        valued.org_unit_key,
        units.org_unit_level,
        units.org_unit_id,
        units.org_unit_name,
        valued.parent_org_unit_key,
        valued.cascade_depth,
        units.organization_id,
        units.region_id,
        units.site_id,
        valued.metric,
        valued.metric_kind,
        valued.is_money,
        valued.currency,
        valued.period_type,
        valued.period_start_date,
        valued.period_end_date,
        valued.target_value,
        {%- for kind in ['stretch', 'minimum'] %}
            cast(
                case
                    when valued.metric_kind = 'rate'
                        then valued.rate_value * valued.{{ kind }}_ratio
                    else
                        round(valued.value_minor * valued.{{ kind }}_ratio)
                        / power(10, valued.minor_digits)
                end as decimal(38, 6)
            ) as {{ kind }}_value,
        {%- endfor %}
        valued.cascade_method,
        valued.allocation_method,
        valued.cascade_to_level,
        valued.share,
        case valued.allocation_method
            when 'equal' then edges.basis_equal
            when 'weighted' then edges.basis_weighted
            when 'historical' then edges.basis_historical
            when 'potential' then edges.basis_potential
            when 'bottom_up' then edges.basis_bottom_up
        end as basis_value,
        edges.history_window,
        valued.is_floored,
        valued.is_capped,
        valued.is_infeasible,
        units.currency as local_currency,
        case
            when valued.is_money and units.currency is not null
                then cast(
                    round(
                        valued.value_minor * target_fx.eur_per_unit / local_fx.eur_per_unit
                        * power(
                            10, {{ currency_minor_digits('units.currency') }} - valued.minor_digits
                        )
                    ) / power(10, {{ currency_minor_digits('units.currency') }}) as decimal(38, 6)
                )
        end as local_target_value
    from valued
    inner join units on valued.org_unit_key = units.org_unit_key
    left join edges
        on valued.target_id = edges.target_id and valued.org_unit_key = edges.org_unit_key
    left join fx_rates as target_fx on valued.currency = target_fx.currency
    left join fx_rates as local_fx on units.currency = local_fx.currency

)

select * from final
