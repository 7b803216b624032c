{#- Leaderboards on the newest day of each target (fct_target_progress.is_latest_day): one
    row per target row and board it takes part in (docs/targets.md, "Gamification"):
      - stores (site-level rows of a target_id) within their region (board region) and
        within the organisation (board organization);
      - staff (staff-level rows of a target_id) within their site (board site).
    Ranked by achievement_pct, highest first; ties share a rank (rank()). percentile =
    percent_rank from the lowest (0 = lowest, 1 = highest), null on a board of one. A row
    without an achievement_pct (nothing expected yet) takes no part. -#}

with

progress as (

    select * from {{ ref('fct_target_progress') }}

),

latest as (

    select * from progress
    where
        is_latest_day
        and achievement_pct is not null

),

entries as (

    select
        latest.*,
        'region' as board,
        latest.region_id as board_id
    from latest
    where latest.org_unit_level = 'site'
    union all
    select
        latest.*,
        'organization' as board,
        latest.organization_id as board_id
    from latest
    where latest.org_unit_level = 'site'
    union all
    select
        latest.*,
        'site' as board,
        latest.site_id as board_id
    from latest
    where latest.org_unit_level = 'staff'

),

ranked as (

    select
        *,
        rank() over (
            partition by target_id, board, board_id order by achievement_pct desc
        ) as board_rank,
        count(*) over (partition by target_id, board, board_id) as board_size,
        percent_rank() over (
            partition by target_id, board, board_id order by achievement_pct
        ) as board_percentile
    from entries

),

final as (

    select
        target_id,
        board,
        board_id,
        target_key,
        org_unit_key,
        org_unit_level,
        org_unit_id,
        org_unit_name,
        organization_id,
        region_id,
        site_id,
        metric,
        local_date,
        target_value,
        actual_to_date,
        expected_to_date,
        achievement_pct,
        projected_pct,
        status,
        cast(board_rank as integer) as board_rank,
        cast(board_size as integer) as board_size,
        cast(case when board_size > 1 then board_percentile end as float8) as board_percentile
    from ranked

)

select * from final
