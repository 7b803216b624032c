-- Every region, site and raw.org_units row hangs in dim_org_unit under an organisation.
-- One row per unit that does not, with the problem named: a cycle (its units in order),
-- an orphan (a parent that does not exist), a unit under one of those, or a row of
-- org_units naming an organisation, region or site. The loader rejects all of these
-- (ingestion/reference_checks.py); this names any that reach the warehouse another way.

with recursive

units as (

    select
        'region:' || region_id as org_unit_key,
        'region' as org_unit_level,
        'organization:' || organization_id as parent_org_unit_key
    from {{ ref('stg_raw__regions') }}

    union all

    select
        'site:' || site_id as org_unit_key,
        'site' as org_unit_level,
        'region:' || region_id as parent_org_unit_key
    from {{ ref('stg_raw__sites') }}

    union all

    select
        org_unit_key,
        org_unit_level,
        parent_org_unit_key
    from {{ ref('stg_raw__org_units') }}
    where org_unit_level not in ('organization', 'region', 'site')

),

-- rows of org_units naming a level of the other reference files: dim_org_unit skips them
reserved as (

    select
        org_unit_key,
        'reserved level: org_units names a ' || org_unit_level
        || ' (organisations, regions and sites come from their own files)' as problem
    from {{ ref('stg_raw__org_units') }}
    where org_unit_level in ('organization', 'region', 'site')

),

known_keys as (

    select org_unit_key from units

    union

    select 'organization:' || organization_id as org_unit_key
    from {{ ref('stg_raw__organizations') }}

),

missing as (

    select units.*
    from units
    left join {{ ref('dim_org_unit') }} as dim
        on units.org_unit_key = dim.org_unit_key
    where dim.org_unit_key is null

),

-- each missing unit's chain of parents, until it comes back to the unit (a cycle)
walk (start_key, current_key, steps, walk_path) as (

    select
        cast(org_unit_key as {{ dbt.type_string() }}) as start_key,
        cast(parent_org_unit_key as {{ dbt.type_string() }}) as current_key,
        1 as steps,
        cast(org_unit_key || ' -> ' || parent_org_unit_key as {{ dbt.type_string() }})
            as walk_path
    from missing

    union all

    select
        walk.start_key,
        cast(units.parent_org_unit_key as {{ dbt.type_string() }}) as current_key,
        walk.steps + 1 as steps,
        cast(walk.walk_path || ' -> ' || units.parent_org_unit_key as {{ dbt.type_string() }})
            as walk_path
    from walk
    inner join units on walk.current_key = units.org_unit_key
    where walk.current_key <> walk.start_key and walk.steps < 64

),

cycles as (

    select
        start_key as org_unit_key,
        min(walk_path) as cycle_path
    from walk
    where current_key = start_key
    group by start_key

),

problems as (

    select
        missing.org_unit_key,
        case
            when missing.org_unit_key = missing.parent_org_unit_key
                then 'cycle: ' || missing.org_unit_key || ' is its own parent'
            when cycles.org_unit_key is not null
                then 'cycle: ' || cycles.cycle_path
            when known_keys.org_unit_key is null
                then 'orphan: parent ' || missing.parent_org_unit_key || ' does not exist'
            else
                'under an orphan or a cycle: parent ' || missing.parent_org_unit_key
                || ' is not in dim_org_unit'
        end as problem
    from missing
    left join cycles on missing.org_unit_key = cycles.org_unit_key
    left join known_keys on missing.parent_org_unit_key = known_keys.org_unit_key

    union all

    select
        org_unit_key,
        problem
    from reserved

)

select * from problems
