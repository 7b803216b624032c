{#- One row per site with its organisation, region, zone, country and subdivision,
    currency, trading dates and regular opening hours per weekday. -#}

with

sites as (

    select * from {{ ref('stg_raw__sites') }}

),

regions as (

    select * from {{ ref('stg_raw__regions') }}

),

organizations as (

    select * from {{ ref('stg_raw__organizations') }}

),

opening_hours as (

    select * from {{ ref('int_site_opening_hours') }}

),

regular_hours as (

    {#- a weekday's regular hours are the same in each of its spans of dates -#}
    select distinct
        site_id,
        iso_weekday,
        open_minute,
        close_minute
    from opening_hours
    where not is_special_hours

),

weekly_hours as (

    select
        site_id,
        count(*) as open_days_per_week,
        sum(close_minute - open_minute) / 60.0 as open_hours_per_week
    from regular_hours
    group by site_id

),

final as (

    select
        sites.site_id,
        sites.site_name,
        sites.site_type,
        sites.organization_id,
        organizations.organization_name,
        organizations.reporting_currency,
        sites.region_id,
        regions.region_name,
        sites.timezone,
        sites.country_code,
        sites.subdivision_code,
        sites.currency,
        sites.mall_id,
        sites.area_sqm,
        sites.open_date,
        sites.close_date,
        sites.close_date is null as is_trading,
        coalesce(weekly_hours.open_days_per_week, 0) as open_days_per_week,
        cast(coalesce(weekly_hours.open_hours_per_week, 0) as {{ dbt.type_float() }})
            as open_hours_per_week,
        {%- for day in ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] %}
            sites.{{ day }}_open,
            sites.{{ day }}_close{% if not loop.last %},{% endif %}
        {%- endfor %}
    from sites
    left join regions
        on sites.region_id = regions.region_id
    left join organizations
        on sites.organization_id = organizations.organization_id
    left join weekly_hours
        on sites.site_id = weekly_hours.site_id

)

select * from final
