{#- One row per site and peer group it belongs to. Four kinds (peer_group_type):
      - region: the site's region (dim_site);
      - store_type: its site_type from the site reference data (mall, street, ...);
      - size_band: its selling area, small < 200 m2, medium 200 to < 350 m2,
        large >= 350 m2 (a site without an area has no size band);
      - custom: every group of the seed peer_groups that lists it.
    peer_group_id is prefixed with its kind (region:UK, store_type:mall, size_band:small,
    custom:<seed id>), so groups of different kinds never collide. -#}

with

sites as (

    select * from {{ ref('dim_site') }}

),

custom_groups as (

    select * from {{ ref('peer_groups') }}

),

site_bands as (

    select
        site_id,
        case
            when area_sqm < 200 then 'small'
            when area_sqm < 350 then 'medium'
            when area_sqm >= 350 then 'large'
        end as size_band
    from sites

),

memberships as (

    select
        site_id,
        'region' as peer_group_type,
        'region:' || region_id as peer_group_id,
        coalesce(region_name, region_id) as peer_group_name
    from sites
    where region_id is not null

    union all

    select
        site_id,
        'store_type' as peer_group_type,
        'store_type:' || lower(site_type) as peer_group_id,
        lower(site_type) as peer_group_name
    from sites
    where site_type is not null

    union all

    select
        site_id,
        'size_band' as peer_group_type,
        'size_band:' || size_band as peer_group_id,
        size_band as peer_group_name
    from site_bands
    where size_band is not null

    union all

    select distinct
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        'custom' as peer_group_type,
        'custom:' || cast(peer_group_id as {{ dbt.type_string() }}) as peer_group_id,
        cast(peer_group_name as {{ dbt.type_string() }}) as peer_group_name
    from custom_groups

),

final as (

    select memberships.*
    from memberships
    inner join sites
        on memberships.site_id = sites.site_id

)

select * from final
