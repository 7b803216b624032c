{{ stg_raw__pos_transactions_sql(source('raw', 'pos_transactions')) }}
