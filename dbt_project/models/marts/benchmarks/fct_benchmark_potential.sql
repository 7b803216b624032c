{#- One row per site, period and (internal) peer group: the sales the site leaves on the
    table against its group, and what drives its gap to the group's median store
    (docs/benchmarks.md). Only complete periods with footfall and transactions (so sales =
    footfall x conversion x ATV holds exactly for the row's own sums), within one currency.

    Improvement potential, floored at 0 and rounded to the cent:
      - conversion_potential = footfall x the group's top-quartile conversion x own ATV
        - net_sales;
      - atv_potential = transactions x the group's top-quartile ATV - net_sales.

    Driver split of gap_to_median = net_sales - the median store's net_sales. The median
    store is the group's middle site by net sales among the sites that qualify (the lower
    of the two middle ones in an even group, ties broken by site_id), so its footfall x
    conversion x ATV is that median exactly. Shapley decomposition of sales = F x C x A
    from the median store r to the site s (each factor's change averaged over the orders
    in which the three can change):
      traffic    = (Fs - Fr) (Cr Ar / 3 + Cs Ar / 6 + Cr As / 6 + Cs As / 3)
      conversion = (Cs - Cr) (Fr Ar / 3 + Fs Ar / 6 + Fr As / 6 + Fs As / 3)
      basket     = (As - Ar) (Fr Cr / 3 + Fs Cr / 6 + Fr Cs / 6 + Fs Cs / 3)
    The three sum to Fs Cs As - Fr Cr Ar algebraically. traffic and conversion are rounded
    to the cent and basket is gap_to_median - traffic - conversion in exact decimal
    arithmetic, so the split sums exactly to the gap (basket absorbs at most a cent of
    rounding). -#}

with

benchmarks as (

    select * from {{ ref('fct_benchmarks') }}

),

site_periods as (

    select * from {{ ref('int_benchmark_site_periods') }}

),

pivoted as (

    {#- a site-period in each of its internal groups, with the group's top quartiles; joined
        before grouping and with no join after it, so PostgreSQL (no statistics on CTEs)
        never nests a loop over a misestimated aggregate -#}
    select
        benchmarks.site_id,
        benchmarks.organization_id,
        benchmarks.region_id,
        benchmarks.currency,
        benchmarks.period_type,
        benchmarks.period_start_date,
        benchmarks.peer_group_type,
        benchmarks.peer_group_id,
        benchmarks.peer_group_name,
        site_periods.footfall,
        site_periods.transactions,
        site_periods.net_sales,
        max(case when benchmarks.metric = 'net_sales' then 1 else 0 end) as has_net_sales,
        max(case when benchmarks.metric = 'conversion_rate' then benchmarks.top_quartile_value end)
            as top_quartile_conversion_rate,
        max(case when benchmarks.metric = 'atv' then benchmarks.top_quartile_value end)
            as top_quartile_atv
    from benchmarks
    inner join site_periods
        on
            benchmarks.site_id = site_periods.site_id
            and benchmarks.period_type = site_periods.period_type
            and benchmarks.period_start_date = site_periods.period_start_date
    where
        benchmarks.metric in ('net_sales', 'conversion_rate', 'atv')
        and benchmarks.peer_group_type != 'external'
        and site_periods.footfall > 0
        and site_periods.transactions > 0
    group by
        benchmarks.site_id, benchmarks.organization_id, benchmarks.region_id,
        benchmarks.currency, benchmarks.period_type, benchmarks.period_start_date,
        benchmarks.peer_group_type, benchmarks.peer_group_id, benchmarks.peer_group_name,
        site_periods.footfall, site_periods.transactions, site_periods.net_sales

),

qualifying as (

    {#- complete periods only (a net_sales benchmark row); conversion and ATV from the
        row's own sums, in double precision (the rollups' ratios are dbt.type_float(),
        4 bytes on DuckDB) -#}
    select
        *,
        cast(transactions as float8) / footfall as conversion_rate,
        cast(net_sales as float8) / transactions as atv
    from pivoted
    where has_net_sales = 1

),

positioned as (

    select
        *,
        row_number() over (
            partition by peer_group_id, period_type, period_start_date, currency
            order by net_sales, site_id
        ) as sales_position,
        count(*) over (
            partition by peer_group_id, period_type, period_start_date, currency
        ) as qualifying_count
    from qualifying

),

{%- set median_columns = [
    ('site_id', 'median_site_id'), ('footfall', 'median_footfall'),
    ('net_sales', 'median_net_sales'), ('conversion_rate', 'median_conversion_rate'),
    ('atv', 'median_atv'),
] %}

with_median as (

    {#- the median store's figures on every row of its group, by window (no self-join) -#}
    select
        *,
        {%- for column, alias in median_columns %}
            max(
                case
                    when 2 * sales_position - 1 in (qualifying_count, qualifying_count - 1)
                        then {{ column }}
                end
            ) over (
                partition by peer_group_id, period_type, period_start_date, currency
            ) as {{ alias }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from positioned

),

shapley as (

    select
        *,
        footfall * top_quartile_conversion_rate * atv
            as sales_at_top_quartile_conversion,
        transactions * top_quartile_atv as sales_at_top_quartile_atv,
        (footfall - median_footfall) * (
            median_conversion_rate * median_atv / 3.0
            + conversion_rate * median_atv / 6.0
            + median_conversion_rate * atv / 6.0
            + conversion_rate * atv / 3.0
        ) as traffic_shapley,
        (conversion_rate - median_conversion_rate) * (
            median_footfall * median_atv / 3.0
            + footfall * median_atv / 6.0
            + median_footfall * atv / 6.0
            + footfall * atv / 3.0
        ) as conversion_shapley
    from with_median

),

rounded as (

    select
        *,
        cast(
            round(cast(traffic_shapley as {{ dbt.type_numeric() }}), 2)
            as {{ dbt.type_numeric() }}
        ) as traffic_effect,
        cast(
            round(cast(conversion_shapley as {{ dbt.type_numeric() }}), 2)
            as {{ dbt.type_numeric() }}
        ) as conversion_effect,
        cast(net_sales - median_net_sales as {{ dbt.type_numeric() }}) as gap_to_median,
        cast(
            greatest(sales_at_top_quartile_conversion - net_sales, 0) as {{ dbt.type_numeric() }}
        ) as conversion_shortfall,
        cast(
            greatest(sales_at_top_quartile_atv - net_sales, 0) as {{ dbt.type_numeric() }}
        ) as atv_shortfall
    from shapley

),

final as (

    select
        site_id,
        organization_id,
        region_id,
        currency,
        period_type,
        period_start_date,
        peer_group_type,
        peer_group_id,
        peer_group_name,
        qualifying_count as peer_count,
        footfall,
        transactions,
        net_sales,
        conversion_rate,
        atv,
        top_quartile_conversion_rate,
        top_quartile_atv,
        cast(
            round(cast(sales_at_top_quartile_conversion as {{ dbt.type_numeric() }}), 2)
            as {{ dbt.type_numeric() }}
        ) as sales_at_top_quartile_conversion,
        cast(round(conversion_shortfall, 2) as {{ dbt.type_numeric() }}) as conversion_potential,
        cast(
            round(cast(sales_at_top_quartile_atv as {{ dbt.type_numeric() }}), 2)
            as {{ dbt.type_numeric() }}
        ) as sales_at_top_quartile_atv,
        cast(round(atv_shortfall, 2) as {{ dbt.type_numeric() }}) as atv_potential,
        median_site_id,
        median_net_sales,
        median_footfall,
        median_conversion_rate,
        median_atv,
        gap_to_median,
        traffic_effect,
        conversion_effect,
        cast(gap_to_median - traffic_effect - conversion_effect as {{ dbt.type_numeric() }})
            as basket_effect
    from rounded

)

select * from final
