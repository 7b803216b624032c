{#- One row per status change of a cascaded target (docs/targets.md, "Tracking"): the day a
    target's status (fct_target_progress) differs from the day before and becomes behind
    (alert falling_behind), at_risk (at_risk) or exceeded (overachieving). A change back to
    on_track raises none, and a period's first day has no day before it to change from.
    alert_id = md5(target_key | local_date | alert_type) is the same on every rebuild, so a
    delivery system that remembers the ids it sent sends each alert once. -#}

with

progress as (

    select * from {{ ref('fct_target_progress') }}

),

compared as (

    select
        *,
        lag(status) over (partition by target_key order by local_date) as previous_status
    from progress

),

changes as (

    select
        *,
        case status
            when 'behind' then 'falling_behind'
            when 'at_risk' then 'at_risk'
            when 'exceeded' then 'overachieving'
        end as alert_type
    from compared
    where
        previous_status is not null
        and status != previous_status

),

final as (

    select
        {{ dbt.hash(
            "target_key || '|' || cast(local_date as " ~ dbt.type_string() ~ ") || '|' || alert_type"
        ) }} as alert_id,
        target_key,
        target_id,
        org_unit_key,
        org_unit_level,
        org_unit_name,
        organization_id,
        region_id,
        site_id,
        metric,
        local_date,
        alert_type,
        previous_status,
        status,
        target_value,
        expected_to_date,
        actual_to_date,
        projected_end_value,
        achievement_pct,
        projected_pct,
        is_latest_day
    from changes
    where alert_type is not null

)

select * from final
