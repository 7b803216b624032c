{{ config(severity='warn') }}
-- Sales are reported in the site's currency; a POS delivery in another currency is flagged.
-- It reads every delivery (base_raw__pos_transactions): a scan, no dedup to recompute.
select
    deliveries.source_system,
    deliveries.external_id,
    deliveries.currency
from {{ ref('base_raw__pos_transactions') }} as deliveries
inner join {{ ref('dim_site') }} as sites
    on deliveries.site_id = sites.site_id
where deliveries.currency <> sites.currency
