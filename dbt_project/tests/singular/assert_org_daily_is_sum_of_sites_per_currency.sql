-- The organisation rollup adds up its sites within one currency and never across two.
with

sites as (

    select
        organization_id,
        currency,
        local_date,
        sum(footfall) as footfall,
        sum(net_sales) as net_sales
    from {{ ref('fct_site_daily') }}
    group by organization_id, currency, local_date

),

organizations as (

    select * from {{ ref('fct_organization_daily') }}

)

select
    organizations.organization_id,
    organizations.currency,
    organizations.local_date
from organizations
full outer join sites
    on
        organizations.organization_id = sites.organization_id
        and organizations.currency = sites.currency
        and organizations.local_date = sites.local_date
where
    organizations.organization_id is null
    or sites.organization_id is null
    or coalesce(organizations.footfall, -1) <> coalesce(sites.footfall, -1)
    or abs(coalesce(organizations.net_sales, 0) - coalesce(sites.net_sales, 0)) > 0.0001
