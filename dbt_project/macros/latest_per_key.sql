{#- Keep one row per key: the latest delivery wins (vendors re-send corrected periods).
    Emits a select over `relation` (a CTE name) with a helper column `_delivery_rank`. -#}
{% macro latest_per_key(relation, key_columns, order_by='delivered_at desc, ingested_at desc') -%}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ order_by }}
            ) as _delivery_rank
        from {{ relation }}
    ) as ranked
    where _delivery_rank = 1
{%- endmacro %}
