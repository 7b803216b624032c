{#- One row per cascaded target with a tracked day: its streaks of counted days on target
    (fct_target_progress: a counted day is an open day, on target when its actual >= its
    phased target; a closed day neither breaks nor extends a streak). The current streak is
    the streak_days of the newest tracked day (0 after a miss); the longest is the largest
    streak_days of the period so far, ending on the first day it was reached. -#}

with

progress as (

    select * from {{ ref('fct_target_progress') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by target_key order by streak_days desc, local_date asc
        ) as longest_rank
    from progress

),

summary as (

    select
        target_key,
        max(local_date) as last_tracked_date,
        sum(case when is_counted_day then 1 else 0 end) as counted_days,
        sum(case when is_day_on_target then 1 else 0 end) as days_on_target
    from progress
    group by target_key

),

final as (

    select
        latest.target_key,
        latest.target_id,
        latest.org_unit_key,
        latest.org_unit_level,
        latest.org_unit_name,
        latest.organization_id,
        latest.region_id,
        latest.site_id,
        latest.metric,
        latest.period_start_date,
        latest.period_end_date,
        summary.last_tracked_date,
        cast(summary.counted_days as integer) as counted_days,
        cast(summary.days_on_target as integer) as days_on_target,
        latest.streak_days as current_streak_days,
        longest.streak_days as longest_streak_days,
        case when longest.streak_days > 0 then longest.local_date end as longest_streak_end_date
    from summary
    inner join progress as latest
        on
            summary.target_key = latest.target_key
            and summary.last_tracked_date = latest.local_date
    inner join ranked as longest
        on
            summary.target_key = longest.target_key
            and longest.longest_rank = 1

)

select * from final
