{#- The reporting hierarchy organisation -> region -> site, one row per unit, keyed by
    org_unit_key = '<level>:<id>' with the parent's key (null for an organisation). -#}

with

organizations as (

    select * from {{ ref('stg_raw__organizations') }}

),

regions as (

    select * from {{ ref('stg_raw__regions') }}

),

sites as (

    select * from {{ ref('stg_raw__sites') }}

),

units as (

    select
        'organization' as org_unit_level,
        organization_id as org_unit_id,
        organization_name as org_unit_name,
        cast(null as {{ dbt.type_string() }}) as parent_org_unit_level,
        cast(null as {{ dbt.type_string() }}) as parent_org_unit_id,
        organization_id,
        cast(null as {{ dbt.type_string() }}) as region_id,
        cast(null as {{ dbt.type_string() }}) as site_id,
        reporting_currency as currency
    from organizations

    union all

    select
        'region' as org_unit_level,
        region_id as org_unit_id,
        region_name as org_unit_name,
        'organization' as parent_org_unit_level,
        organization_id as parent_org_unit_id,
        organization_id,
        region_id,
        cast(null as {{ dbt.type_string() }}) as site_id,
        cast(null as {{ dbt.type_string() }}) as currency
    from regions

    union all

    select
        'site' as org_unit_level,
        site_id as org_unit_id,
        site_name as org_unit_name,
        'region' as parent_org_unit_level,
        region_id as parent_org_unit_id,
        organization_id,
        region_id,
        site_id,
        currency
    from sites

),

final as (

    select
        org_unit_level || ':' || org_unit_id as org_unit_key,
        org_unit_level,
        org_unit_id,
        org_unit_name,
        case
            when parent_org_unit_id is not null
                then parent_org_unit_level || ':' || parent_org_unit_id
        end as parent_org_unit_key,
        organization_id,
        region_id,
        site_id,
        currency,
        case org_unit_level when 'organization' then 1 when 'region' then 2 else 3 end
            as hierarchy_depth
    from units

)

select * from final
