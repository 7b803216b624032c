{#- The units each target cascades to: its own unit (depth 0) and every unit below it down
    to its cascade_to level, at any depth (a team under a department under a store), with
    the parent each one takes its share from. -#}

with recursive

requests as (

    select * from {{ ref('int_target_requests') }}

),

units as (

    select * from {{ ref('dim_org_unit') }}

),

tree (target_id, org_unit_key, parent_org_unit_key, cascade_depth) as (

    select
        requests.target_id,
        requests.org_unit_key,
        cast(null as {{ dbt.type_string() }}) as parent_org_unit_key,
        0 as cascade_depth
    from requests
    inner join units on requests.org_unit_key = units.org_unit_key

    union all

    select
        tree.target_id,
        units.org_unit_key,
        tree.org_unit_key as parent_org_unit_key,
        tree.cascade_depth + 1 as cascade_depth
    from tree
    inner join units on tree.org_unit_key = units.parent_org_unit_key
    inner join requests on tree.target_id = requests.target_id
    where
        {{ org_level_rank('units.org_unit_level') }} <= requests.cascade_to_rank
        and tree.cascade_depth < 32

)

select * from tree
