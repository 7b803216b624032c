-- Every site sits in the hierarchy under its region, every region under its organisation.
select sites.site_id
from {{ ref('dim_site') }} as sites
left join {{ ref('dim_org_unit') }} as units
    on
        units.org_unit_key = 'site:' || sites.site_id
        and units.parent_org_unit_key = 'region:' || sites.region_id
where units.org_unit_key is null
