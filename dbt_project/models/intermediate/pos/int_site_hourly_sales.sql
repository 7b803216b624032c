{#- Sales per site and open hour (docs/metrics.md):
      transactions = sale rows with net_amount > 0; returns = return rows (counted apart);
      net_sales = sum(net_amount of sales) - sum(abs(net_amount of returns))
                  + sum(net_amount of exchanges)  (tax excluded; the POS stores a refund
                  with either sign, so its absolute value is taken; an exchange carries the
                  signed difference paid or refunded); voids are ignored;
      units = units of the counted sale transactions.
    The POS feed is present for an hour when the site has any POS row on that local day and
    the hour starts no later than the site's newest POS row. Otherwise the sales metrics are
    null, never zero: a missing feed must not read as "no sales". has_pos_feed says whether
    the site has a POS at all (a pos_locations row or any transaction). -#}

{{ int_site_hourly_sales_sql(
    ref('int_site_hour_spine'),
    ref('int_pos_transactions_localized'),
    ref('stg_raw__pos_locations')
) }}
