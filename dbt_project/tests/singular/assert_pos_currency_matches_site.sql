{{ config(severity='warn') }}
-- Sales are reported in the site's currency; a POS row in another currency is flagged.
select transactions.source_system, transactions.external_id, transactions.currency
from {{ ref('int_pos_transactions_localized') }} as transactions
inner join {{ ref('dim_site') }} as sites
    on transactions.site_id = sites.site_id
where transactions.currency <> sites.currency
