{#- One row per site, benchmark period, peer group of the site and metric: the value the
    site is ranked on within that group (long layout). Which values take part:
      - ratios (capture_rate, conversion_rate, atv, upt, sales_per_visitor) wherever the
        rollup has one: each is a ratio of sums over the period's complete hours, so a
        period with an outage still compares fairly;
      - totals (footfall, net_sales, sales_per_sqm) only in complete periods
        (data_complete): an outage would make the store look smaller than its peers;
      - null values (no POS, no passer-by line, no area) take no part.
    Money metrics (atv, sales_per_visitor, sales_per_sqm, net_sales) are compared only
    between sites of the same currency: comparison_currency is the site's currency for
    them and 'any' otherwise. Values are float8 (double precision on DuckDB and PostgreSQL;
    dbt.type_float() is a 4-byte float on DuckDB, which would drop the cents of a
    month's net sales). -#}
{%- set metrics = [
    ('footfall', false, true),
    ('capture_rate', false, false),
    ('conversion_rate', false, false),
    ('atv', true, false),
    ('upt', false, false),
    ('sales_per_visitor', true, false),
    ('sales_per_sqm', true, true),
    ('net_sales', true, true),
] %}

with

site_periods as (

    select * from {{ ref('int_benchmark_site_periods') }}

),

peer_groups as (

    select * from {{ ref('int_benchmark_peer_groups') }}

),

metric_values as (

    {%- for metric, is_money, is_total in metrics %}

        select
            site_id,
            organization_id,
            region_id,
            currency,
            site_type,
            period_type,
            period_start_date,
            prior_period_start_date,
            last_year_period_start_date,
            data_complete,
            '{{ metric }}' as metric,
            {{ 'currency' if is_money else "'any'" }} as comparison_currency,
            cast({{ metric }} as float8) as metric_value
        from site_periods
        where
            {{ metric }} is not null
            {%- if is_total %}
                and data_complete
            {%- endif %}
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        metric_values.site_id,
        metric_values.organization_id,
        metric_values.region_id,
        metric_values.currency,
        metric_values.site_type,
        metric_values.period_type,
        metric_values.period_start_date,
        metric_values.prior_period_start_date,
        metric_values.last_year_period_start_date,
        metric_values.data_complete,
        peer_groups.peer_group_type,
        peer_groups.peer_group_id,
        peer_groups.peer_group_name,
        metric_values.metric,
        metric_values.comparison_currency,
        metric_values.metric_value
    from metric_values
    inner join peer_groups
        on metric_values.site_id = peer_groups.site_id

)

select * from final
