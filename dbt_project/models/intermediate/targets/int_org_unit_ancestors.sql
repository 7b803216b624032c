{#- The closure of the org tree: one row per unit and each of its ancestors, itself included
    at distance 0, at any depth. dim_org_unit holds only units reachable from an
    organisation (no cycles); the distance bound only stops a runaway walk. -#}
{{ config(materialized='table') }}

with recursive

units as (

    select
        org_unit_key,
        parent_org_unit_key
    from {{ ref('dim_org_unit') }}

),

ancestors (org_unit_key, ancestor_org_unit_key, distance) as (

    select
        org_unit_key,
        org_unit_key as ancestor_org_unit_key,
        0 as distance
    from units

    union all

    select
        ancestors.org_unit_key,
        units.parent_org_unit_key as ancestor_org_unit_key,
        ancestors.distance + 1 as distance
    from ancestors
    inner join units on ancestors.ancestor_org_unit_key = units.org_unit_key
    where units.parent_org_unit_key is not null and ancestors.distance < 32

)

select * from ancestors
