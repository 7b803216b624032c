{#- What every org unit did each local day, in the columns the target metrics read: sites
    from fct_site_daily and every unit above them as the sum of their sites; staff from the
    POS staff_id and every department and team as the sum of its staff. Money is in euros
    at the fx_rates seed, so units trading in several currencies add up; a consumer converts
    to a target's own currency. -#}
{{ config(materialized='table') }}

{%- set columns = target_metric_columns() %}
{%- set money = target_money_columns() %}

with

site_daily as (

    select * from {{ ref('fct_site_daily') }}

),

transactions as (

    select * from {{ ref('int_pos_transactions_localized') }}

),

units as (

    select * from {{ ref('dim_org_unit') }}

),

ancestors as (

    select * from {{ ref('int_org_unit_ancestors') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

site_facts as (

    select
        {%- for column in columns %}
            {%- if column in money %}
                site_daily.{{ column }} * fx_rates.eur_per_unit as {{ column }},
            {%- else %}
                site_daily.{{ column }},
            {%- endif %}
        {%- endfor %}
        'site:' || site_daily.site_id as org_unit_key,
        site_daily.local_date
    from site_daily
    left join fx_rates on site_daily.currency = fx_rates.currency

),

staff_facts as (

    select
        'staff:' || transactions.staff_id as org_unit_key,
        transactions.local_date,
        sum(
            case
                when transactions.transaction_type = 'sale' then transactions.net_amount
                when transactions.transaction_type = 'return'
                    then -abs(transactions.net_amount)
                else 0
            end * fx_rates.eur_per_unit
        ) as net_sales,
        sum(
            case
                when
                    transactions.transaction_type = 'sale' and transactions.net_amount > 0
                    then 1
                else 0
            end
        ) as transactions,
        sum(
            case
                when
                    transactions.transaction_type = 'sale' and transactions.net_amount > 0
                    then transactions.units
                else 0
            end
        ) as units
    from transactions
    left join fx_rates on transactions.currency = fx_rates.currency
    where transactions.staff_id is not null
    group by transactions.staff_id, transactions.local_date

),

leaf_facts as (

    select
        org_unit_key,
        local_date,
        {%- for column in columns %}
            {{ column }},
        {%- endfor %}
        true as is_site_fact
    from site_facts

    union all

    select
        org_unit_key,
        local_date,
        {%- for column in columns %}
            {%- if column in ['net_sales', 'transactions', 'units'] %}
                {{ column }},
            {%- else %}
                cast(null as {{ dbt.type_numeric() }}) as {{ column }},
            {%- endif %}
        {%- endfor %}
        false as is_site_fact
    from staff_facts

),

rolled_up as (

    select
        {%- for column in columns %}
            sum(leaf_facts.{{ column }}) as {{ column }},
        {%- endfor %}
        ancestors.ancestor_org_unit_key as org_unit_key,
        leaf_facts.local_date
    from leaf_facts
    inner join ancestors on leaf_facts.org_unit_key = ancestors.org_unit_key
    inner join units on ancestors.ancestor_org_unit_key = units.org_unit_key
    -- store facts roll up to the store and above, staff facts to the staff and the teams
    -- and departments between them and their store
    where
        (
            leaf_facts.is_site_fact
            and {{ org_level_rank('units.org_unit_level') }} <= 3
        )
        or (
            not leaf_facts.is_site_fact
            and {{ org_level_rank('units.org_unit_level') }} > 3
        )
    group by ancestors.ancestor_org_unit_key, leaf_facts.local_date

)

select * from rolled_up
