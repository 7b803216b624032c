{#- One row per site and public holiday of its country (and subdivision, when the site has
    one): what a per-site-day `is_public_holiday` / `holiday_name` joins to on
    (site_id, local_date = holiday_date). -#}

with

sites as (

    select * from {{ ref('stg_raw__sites') }}

),

public_holidays as (

    select * from {{ ref('stg_raw__public_holidays') }}

),

final as (

    select
        sites.site_id,
        public_holidays.holiday_date,
        public_holidays.holiday_name,
        sites.country_code,
        sites.subdivision_code
    from sites
    inner join public_holidays
        on
            sites.country_code = public_holidays.country_code
            and coalesce(sites.subdivision_code, '')
            = coalesce(public_holidays.subdivision_code, '')

)

select * from final
