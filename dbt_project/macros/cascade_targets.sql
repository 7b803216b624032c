{#- The cascade of every target in `requests` down its edges (int_target_edges), level by
    level in one recursive query, so any depth works. `method` replaces every request's
    allocation (blipee targets cascade --method); none keeps each request's own.

    A sum: each child gets clamp(lambda x share, floor, cap), where floor is the larger of
    its floor_value and min_share x the parent and cap its cap_value (else the parent), and
    lambda is the one number that makes the children add up to the parent: what a capped
    child cannot take goes to the others in proportion to their shares (water-filling,
    solved exactly from the sorted breakpoints floor / share and cap / share). Values are
    whole minor units; the largest remainder gives the last units (ties by unit key), so
    the children always sum exactly to the parent. Floors above the parent or caps below it
    cannot be met: the floors are scaled to the parent and the row is flagged infeasible.

    A rate: child rate = parent rate x index / (the weight-weighted mean index), so the
    children's rates weighted by their footfall (conversion) or transactions (ATV, UPT)
    give back the parent's rate. -#}
{% macro cascade_targets(requests, edges, method=none) -%}
{%- set methods = ['equal', 'weighted', 'historical', 'potential', 'bottom_up', 'hybrid'] %}
{%- set allocation = "'" ~ method ~ "'" if method else 'requests.allocation_method' %}
{%- set family = 'partition by edges.target_id, edges.parent_org_unit_key' %}
{%- set siblings = 'partition by target_id, parent_org_unit_key' %}

with recursive

requests as (

    select * from {{ requests }}

),

given_edges as (

    select * from {{ edges }}

),

edges as (

    select
        edges.*,
        {{ allocation }} as allocation_method,
        case {{ allocation }}
            {%- for m in methods %}
            when '{{ m }}' then edges.share_{{ m }}
            {%- endfor %}
        end as share,
        case {{ allocation }}
            {%- for m in methods %}
            when '{{ m }}' then edges.rate_index_{{ m }}
            {%- endfor %}
        end as rate_index,
        case {{ allocation }}
            {%- for m in methods %}
            when '{{ m }}' then edges.rate_weight_{{ m }}
            {%- endfor %}
        end as rate_weight
    from given_edges as edges
    inner join requests on edges.target_id = requests.target_id

),

-- a bottom-up target is the sum (a rate: the weighted mean) of its children's own targets
bottom_up_roots as (

    select
        target_id,
        sum(cast(round(own_target_value * power(10, minor_digits)) as bigint)) as value_minor,
        sum(own_target_value * rate_weight) / nullif(sum(rate_weight), 0) as rate_value
    from edges
    where cascade_depth = 1
    group by target_id

),

allocations (
    target_id, org_unit_key, parent_org_unit_key, cascade_depth, value_minor, rate_value,
    share, is_floored, is_capped, is_infeasible
) as (

    select
        requests.target_id,
        requests.org_unit_key,
        cast(null as {{ dbt.type_string() }}) as parent_org_unit_key,
        0 as cascade_depth,
        case
            when requests.metric_kind = 'sum' and {{ allocation }} = 'bottom_up'
                then bottom_up_roots.value_minor
            when requests.metric_kind = 'sum' then requests.target_value_minor
        end as value_minor,
        case
            when requests.metric_kind = 'rate' and {{ allocation }} = 'bottom_up'
                then cast(bottom_up_roots.rate_value as double precision)
            when requests.metric_kind = 'rate'
                then cast(requests.target_value as double precision)
        end as rate_value,
        cast(null as double precision) as share,
        false as is_floored,
        false as is_capped,
        false as is_infeasible
    from requests
    left join bottom_up_roots on requests.target_id = bottom_up_roots.target_id

    union all

    select
        target_id,
        org_unit_key,
        parent_org_unit_key,
        cascade_depth,
        -- largest remainder: the whole units left after flooring go to the largest fractions
        case
            when parent_value is not null
                then cast(floor(allocated) as bigint) + case
                    when
                        remainder_rank
                        <= parent_value - sum(floor(allocated)) over ({{ siblings }})
                        then 1
                    else 0
                end
        end as value_minor,
        rate_value,
        allocated / nullif(parent_value, 0) as share,
        is_floored,
        is_capped,
        is_infeasible
    from (
        select
            *,
            row_number() over (
                {{ siblings }} order by allocated - floor(allocated) desc, org_unit_key
            ) as remainder_rank
        from (
            select
                *,
                case
                    when floors_total > parent_value
                        then child_floor * parent_value / floors_total
                    when caps_total < parent_value
                        then child_cap * parent_value / nullif(caps_total, 0)
                    when share_value = 0 then child_floor
                    else least(greatest(lambda_value * share_value, child_floor), child_cap)
                end as allocated,
                coalesce(child_floor > 0 and lambda_value * share_value <= child_floor, false)
                    as is_floored,
                coalesce(cap_value is not null and lambda_value * share_value >= child_cap, false)
                    as is_capped,
                coalesce(floors_total > parent_value or caps_total < parent_value, false)
                    as is_infeasible
            from (
                select
                    *,
                    -- lambda: on the last breakpoint the children's sum does not pass the
                    -- parent, the linear piece after it reaches the parent exactly
                    max(
                        case
                            when event_position = last_position_within and slope > 0
                                then (parent_value - floors_total - offset_sum) / slope
                            when event_position = last_position_within then breakpoint
                        end
                    ) over ({{ siblings }}) as lambda_value
                from (
                    select
                        *,
                        max(case when children_sum <= parent_value then event_position end)
                            over ({{ siblings }}) as last_position_within
                    from (
                        select
                            *,
                            floors_total + offset_sum + slope * breakpoint as children_sum
                        from (
                            select
                                *,
                                sum(offset_change) over (
                                    {{ siblings }} order by breakpoint, event_kind, org_unit_key
                                    rows between unbounded preceding and current row
                                ) as offset_sum,
                                sum(slope_change) over (
                                    {{ siblings }} order by breakpoint, event_kind, org_unit_key
                                    rows between unbounded preceding and current row
                                ) as slope,
                                row_number() over (
                                    {{ siblings }} order by breakpoint, event_kind, org_unit_key
                                ) as event_position
                            from (
                                -- two breakpoints per child with a share: where it leaves
                                -- its floor (event 1) and where it reaches its cap (event 2)
                                select
                                    children.*,
                                    events.event_kind,
                                    case
                                        when children.share_value = 0 then null
                                        when events.event_kind = 1
                                            then children.child_floor / children.share_value
                                        else children.child_cap / children.share_value
                                    end as breakpoint,
                                    case
                                        when children.share_value = 0 then 0
                                        when events.event_kind = 1 then -children.child_floor
                                        else children.child_cap
                                    end as offset_change,
                                    case
                                        when children.share_value = 0 then 0
                                        when events.event_kind = 1 then children.share_value
                                        else -children.share_value
                                    end as slope_change,
                                    sum(
                                        case when events.event_kind = 1 then children.child_floor end
                                    ) over ({{ siblings }}) as floors_total,
                                    sum(
                                        case
                                            when events.event_kind = 1 and children.share_value > 0
                                                then children.child_cap
                                            when events.event_kind = 1 then children.child_floor
                                        end
                                    ) over ({{ siblings }}) as caps_total
                                from (
                                    select
                                        edges.target_id,
                                        edges.org_unit_key,
                                        edges.parent_org_unit_key,
                                        edges.cascade_depth,
                                        edges.cap_value,
                                        cast(allocations.value_minor as double precision)
                                            as parent_value,
                                        cast(coalesce(edges.share, 0) as double precision)
                                            as share_value,
                                        least(
                                            greatest(
                                                coalesce(
                                                    round(
                                                        edges.floor_value
                                                        * power(10, edges.minor_digits)
                                                    ),
                                                    0
                                                ),
                                                ceil(
                                                    coalesce(edges.min_share, 0)
                                                    * allocations.value_minor
                                                )
                                            ),
                                            allocations.value_minor
                                        ) as child_floor,
                                        least(
                                            coalesce(
                                                round(
                                                    edges.cap_value * power(10, edges.minor_digits)
                                                ),
                                                allocations.value_minor
                                            ),
                                            allocations.value_minor
                                        ) as child_cap,
                                        coalesce(
                                            allocations.rate_value * edges.rate_index
                                            * sum(edges.rate_weight) over ({{ family }})
                                            / nullif(
                                                sum(edges.rate_index * edges.rate_weight)
                                                    over ({{ family }}),
                                                0
                                            ),
                                            allocations.rate_value
                                        ) as rate_value
                                    from allocations
                                    inner join edges
                                        on allocations.target_id = edges.target_id
                                        and allocations.org_unit_key = edges.parent_org_unit_key
                                ) as children
                                cross join (select 1 as event_kind union all select 2) as events
                            ) as breakpoints
                        ) as cumulated
                    ) as evaluated
                ) as located
            ) as solved
            where event_kind = 1
        ) as allocated_children
    ) as rounded

)

select * from allocations
{%- endmacro %}
