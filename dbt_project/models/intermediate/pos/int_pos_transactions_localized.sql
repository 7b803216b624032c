{#- POS transactions in their site's local time, with units (item_count, else the sum of
    line quantities) and the UTC hour they fall in. -#}

{{ int_pos_transactions_localized_sql(
    ref('stg_raw__pos_transactions'),
    ref('stg_raw__pos_transaction_lines'),
    ref('stg_raw__sites')
) }}
