{#- The reporting hierarchy at any depth, one row per unit, keyed by
    org_unit_key = '<level>:<id>' with the parent's key (null for an organisation):
    organisation -> region -> site -> whatever raw.org_units names below a site
    (departments, teams, staff). Staff seen in the shifts or as a POS staff_id that
    org_units does not list sit directly under the site they have most shifts at (then most
    transactions, then the lowest site_id). The tree is walked down from the organisations,
    so a unit whose parent chain never reaches one (an orphan, a cycle) is left out here and
    named by the test assert_org_unit_hierarchy_is_a_tree. -#}

with recursive

organizations as (

    select * from {{ ref('stg_raw__organizations') }}

),

regions as (

    select * from {{ ref('stg_raw__regions') }}

),

sites as (

    select * from {{ ref('stg_raw__sites') }}

),

org_units as (

    select * from {{ ref('stg_raw__org_units') }}

),

shifts as (

    select * from {{ ref('stg_raw__staff_shifts') }}

),

transactions as (

    select * from {{ ref('stg_raw__pos_transactions') }}

),

staff_site_activity as (

    select
        site_id,
        staff_id,
        count(*) as shift_count,
        0 as transaction_count
    from shifts
    where staff_id is not null and site_id is not null
    group by site_id, staff_id

    union all

    select
        site_id,
        staff_id,
        0 as shift_count,
        count(*) as transaction_count
    from transactions
    where staff_id is not null and site_id is not null
    group by site_id, staff_id

),

staff_sites_ranked as (

    select
        staff_id,
        site_id,
        row_number() over (
            partition by staff_id
            order by sum(shift_count) desc, sum(transaction_count) desc, site_id asc
        ) as site_rank
    from staff_site_activity
    group by staff_id, site_id

),

unlisted_staff as (

    select
        staff_sites_ranked.staff_id,
        staff_sites_ranked.site_id
    from staff_sites_ranked
    inner join sites on staff_sites_ranked.site_id = sites.site_id
    left join org_units on org_units.org_unit_key = 'staff:' || staff_sites_ranked.staff_id
    where staff_sites_ranked.site_rank = 1 and org_units.org_unit_key is null

),

units as (

    select
        'organization:' || organization_id as org_unit_key,
        'organization' as org_unit_level,
        organization_id as org_unit_id,
        organization_name as org_unit_name,
        cast(null as {{ dbt.type_string() }}) as parent_org_unit_key,
        reporting_currency as currency
    from organizations

    union all

    select
        'region:' || region_id as org_unit_key,
        'region' as org_unit_level,
        region_id as org_unit_id,
        region_name as org_unit_name,
        'organization:' || organization_id as parent_org_unit_key,
        cast(null as {{ dbt.type_string() }}) as currency
    from regions

    union all

    select
        'site:' || site_id as org_unit_key,
        'site' as org_unit_level,
        site_id as org_unit_id,
        site_name as org_unit_name,
        'region:' || region_id as parent_org_unit_key,
        currency
    from sites

    union all

    -- a row naming an organisation, region or site would give that key two parents
    select
        org_unit_key,
        org_unit_level,
        org_unit_id,
        org_unit_name,
        parent_org_unit_key,
        cast(null as {{ dbt.type_string() }}) as currency
    from org_units
    where org_unit_level not in ('organization', 'region', 'site')

    union all

    select
        'staff:' || staff_id as org_unit_key,
        'staff' as org_unit_level,
        staff_id as org_unit_id,
        staff_id as org_unit_name,
        'site:' || site_id as parent_org_unit_key,
        cast(null as {{ dbt.type_string() }}) as currency
    from unlisted_staff

),

tree (
    org_unit_key,
    org_unit_level,
    org_unit_id,
    org_unit_name,
    parent_org_unit_key,
    organization_id,
    region_id,
    site_id,
    currency,
    hierarchy_depth,
    org_unit_path
) as (

    select
        cast(org_unit_key as {{ dbt.type_string() }}) as org_unit_key,
        cast(org_unit_level as {{ dbt.type_string() }}) as org_unit_level,
        cast(org_unit_id as {{ dbt.type_string() }}) as org_unit_id,
        cast(org_unit_name as {{ dbt.type_string() }}) as org_unit_name,
        cast(parent_org_unit_key as {{ dbt.type_string() }}) as parent_org_unit_key,
        cast(org_unit_id as {{ dbt.type_string() }}) as organization_id,
        cast(null as {{ dbt.type_string() }}) as region_id,
        cast(null as {{ dbt.type_string() }}) as site_id,
        cast(currency as {{ dbt.type_string() }}) as currency,
        1 as hierarchy_depth,
        cast(org_unit_key as {{ dbt.type_string() }}) as org_unit_path
    from units
    where org_unit_level = 'organization'

    union all

    -- the depth bound only stops a runaway walk (two rows of one key in the raw tables)
    select
        cast(children.org_unit_key as {{ dbt.type_string() }}) as org_unit_key,
        cast(children.org_unit_level as {{ dbt.type_string() }}) as org_unit_level,
        cast(children.org_unit_id as {{ dbt.type_string() }}) as org_unit_id,
        cast(children.org_unit_name as {{ dbt.type_string() }}) as org_unit_name,
        cast(children.parent_org_unit_key as {{ dbt.type_string() }}) as parent_org_unit_key,
        tree.organization_id,
        cast(
            case
                when children.org_unit_level = 'region' then children.org_unit_id
                else tree.region_id
            end as {{ dbt.type_string() }}
        ) as region_id,
        cast(
            case
                when children.org_unit_level = 'site' then children.org_unit_id
                else tree.site_id
            end as {{ dbt.type_string() }}
        ) as site_id,
        cast(
            case
                when children.org_unit_level = 'site' then children.currency
                when tree.site_id is not null then tree.currency
            end as {{ dbt.type_string() }}
        ) as currency,
        tree.hierarchy_depth + 1 as hierarchy_depth,
        cast(
            tree.org_unit_path || ' > ' || children.org_unit_key as {{ dbt.type_string() }}
        ) as org_unit_path
    from tree
    inner join units as children on tree.org_unit_key = children.parent_org_unit_key
    where tree.hierarchy_depth < 64

),

final as (

    select
        org_unit_key,
        org_unit_level,
        org_unit_id,
        org_unit_name,
        parent_org_unit_key,
        organization_id,
        region_id,
        site_id,
        currency,
        hierarchy_depth,
        org_unit_path
    from tree

)

select * from final
