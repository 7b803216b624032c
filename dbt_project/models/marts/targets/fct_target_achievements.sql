{#- Badges: one row per cascaded target and badge it has earned, with the day it was
    earned (docs/targets.md, "Gamification"). From fct_target_progress:
      - first_day_on_target: the first counted day on target;
      - streak_7, streak_30: the day streak_days first reaches 7 (30) counted days on
        target in a row;
      - period_target_exceeded: the first day with status exceeded;
      - top_of_region_week (a site's row) and top_of_site_week (a staff row): the 7th day
        of the first run of 7 consecutive tracked days on which the row ranked first by
        achievement_pct among the same target_id's rows of its level in its region (site)
        or at its site (staff); ties share the first place. -#}
{%- set badges = [
    ('first_day_on_target', 'is_day_on_target'),
    ('streak_7', 'streak_days >= 7'),
    ('streak_30', 'streak_days >= 30'),
    ('period_target_exceeded', "status = 'exceeded'"),
] -%}

with

progress as (

    select * from {{ ref('fct_target_progress') }}

),

daily_boards as (

    select
        target_key,
        local_date,
        org_unit_level,
        rank() over (
            partition by
                target_id,
                org_unit_level,
                case when org_unit_level = 'site' then region_id else site_id end,
                local_date
            order by achievement_pct desc
        ) as board_rank
    from progress
    where
        org_unit_level in ('site', 'staff')
        and achievement_pct is not null

),

top_days as (

    {#- consecutive first places share a run: the date minus their running count -#}
    select
        target_key,
        org_unit_level,
        local_date,
        local_date - cast(
            row_number() over (partition by target_key order by local_date) as integer
        ) as run_id
    from daily_boards
    where board_rank = 1

),

top_runs as (

    select
        target_key,
        org_unit_level,
        run_id,
        min(local_date) as run_start_date,
        count(*) as run_days
    from top_days
    group by target_key, org_unit_level, run_id

),

earned as (

    {%- for badge, condition in badges %}
        select
            target_key,
            '{{ badge }}' as badge,
            min(local_date) as earned_date
        from progress
        where {{ condition }}
        group by target_key
        union all
    {%- endfor %}
    select
        target_key,
        case
            when org_unit_level = 'site' then 'top_of_region_week' else 'top_of_site_week'
        end as badge,
        min(run_start_date + 6) as earned_date
    from top_runs
    where run_days >= 7
    group by target_key, org_unit_level

),

final as (

    select
        {{ dbt.hash("earned.target_key || '|' || earned.badge") }} as achievement_id,
        earned.target_key,
        progress.target_id,
        progress.org_unit_key,
        progress.org_unit_level,
        progress.org_unit_name,
        progress.organization_id,
        progress.region_id,
        progress.site_id,
        progress.metric,
        earned.badge,
        earned.earned_date
    from earned
    inner join progress
        on
            earned.target_key = progress.target_key
            and earned.earned_date = progress.local_date

)

select * from final
