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

qualifying as (

    {#- a site-period in each of its internal groups, by its net_sales row (complete,
        same-currency peers) -#}
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
        {#- from the row's own sums, in double precision (the rollups' ratios are
            dbt.type_float(), 4 bytes on DuckDB) -#}
        cast(site_periods.transactions as float8) / site_periods.footfall as conversion_rate,
        cast(site_periods.net_sales as float8) / site_periods.transactions as atv
    from benchmarks
    inner join site_periods
        on
            benchmarks.site_id = site_periods.site_id
            and benchmarks.period_type = site_periods.period_type
            and benchmarks.period_start_date = site_periods.period_start_date
    where
        benchmarks.metric = 'net_sales'
        and benchmarks.peer_group_type != 'external'
        and site_periods.footfall > 0
        and site_periods.transactions > 0

),

top_quartiles as (

    select
        site_id,
        period_type,
        period_start_date,
        peer_group_id,
        max(case when metric = 'conversion_rate' then top_quartile_value end)
            as top_quartile_conversion_rate,
        max(case when metric = 'atv' then top_quartile_value end) as top_quartile_atv
    from benchmarks
    where metric in ('conversion_rate', 'atv') and peer_group_type != 'external'
    group by site_id, period_type, period_start_date, peer_group_id

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

median_stores as (

    select
        peer_group_id,
        period_type,
        period_start_date,
        currency,
        site_id as median_site_id,
        footfall as median_footfall,
        net_sales as median_net_sales,
        conversion_rate as median_conversion_rate,
        atv as median_atv
    from positioned
    where 2 * sales_position - 1 in (qualifying_count, qualifying_count - 1)

),

shapley as (

    select
        positioned.*,
        top_quartiles.top_quartile_conversion_rate,
        top_quartiles.top_quartile_atv,
        median_stores.median_site_id,
        median_stores.median_footfall,
        median_stores.median_conversion_rate,
        median_stores.median_atv,
        median_stores.median_net_sales,
        positioned.footfall * top_quartiles.top_quartile_conversion_rate * positioned.atv
            as sales_at_top_quartile_conversion,
        positioned.transactions * top_quartiles.top_quartile_atv as sales_at_top_quartile_atv,
        (positioned.footfall - median_stores.median_footfall) * (
            median_stores.median_conversion_rate * median_stores.median_atv / 3.0
            + positioned.conversion_rate * median_stores.median_atv / 6.0
            + median_stores.median_conversion_rate * positioned.atv / 6.0
            + positioned.conversion_rate * positioned.atv / 3.0
        ) as traffic_shapley,
        (positioned.conversion_rate - median_stores.median_conversion_rate) * (
            median_stores.median_footfall * median_stores.median_atv / 3.0
            + positioned.footfall * median_stores.median_atv / 6.0
            + median_stores.median_footfall * positioned.atv / 6.0
            + positioned.footfall * positioned.atv / 3.0
        ) as conversion_shapley
    from positioned
    inner join top_quartiles
        on
            positioned.site_id = top_quartiles.site_id
            and positioned.period_type = top_quartiles.period_type
            and positioned.period_start_date = top_quartiles.period_start_date
            and positioned.peer_group_id = top_quartiles.peer_group_id
    inner join median_stores
        on
            positioned.peer_group_id = median_stores.peer_group_id
            and positioned.period_type = median_stores.period_type
            and positioned.period_start_date = median_stores.period_start_date
            and positioned.currency = median_stores.currency

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
