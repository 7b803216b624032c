{#- Benchmarks, long layout: one row per site, period (week, retail_period, month), peer
    group and metric (docs/benchmarks.md). Within its group (the sites of the group with a
    value that period; money metrics within one currency):
      - rank: 1 = the highest value (every metric here is better higher), ties share a rank:
        1 + the number of higher values = peer_count + 1 - cume_dist x peer_count (one
        sort serves both window functions; rank() over a descending order would be a second);
      - percentile: percent_rank, the share of the other sites of the group it beats
        (0 = lowest, 1 = highest), null in a group of one;
      - median_value and top_quartile_value: the 50th and 75th percentiles of the group's
        values, interpolated linearly (percentile_cont);
      - gap_to_top_quartile = value - top_quartile_value (below the top quartile: < 0).
    An external benchmark (seed external_benchmarks, a published index) is a peer group of
    its own (peer_group_type external): one published value, which stands in for the top
    quartile; it has no rank, percentile, median or peer count.
    The same columns for the period before (prior_*) and the same period a year earlier
    (last_year_*), each as it stood within that period's own group, where the site had a
    value then. -#}

{#- PostgreSQL plans the self-joins below (1.8M rows each at 500 stores x 2 years) as
    merge joins over CTEs it has no statistics for and rescans one side 140M times; hash
    joins take the model from ~50 s to ~25 s there. `set local` ends with the model's
    transaction; DuckDB needs no hint. -#}
{{ config(
    pre_hook="{% if target.type == 'postgres' %}set local enable_mergejoin = off{% endif %}"
) }}


with

peer_values as (

    select * from {{ ref('int_benchmark_peer_values') }}

),

external_benchmarks as (

    select * from {{ ref('external_benchmarks') }}

),

group_stats as (

    select
        peer_group_id,
        period_type,
        period_start_date,
        metric,
        comparison_currency,
        count(*) as peer_count,
        percentile_cont(0.5) within group (order by metric_value) as median_value,
        percentile_cont(0.75) within group (order by metric_value) as top_quartile_value
    from peer_values
    group by peer_group_id, period_type, period_start_date, metric, comparison_currency

),

ranked as (

    select
        peer_values.*,
        cume_dist() over (
            partition by
                peer_values.peer_group_id, peer_values.period_type,
                peer_values.period_start_date, peer_values.metric,
                peer_values.comparison_currency
            order by peer_values.metric_value
        ) as share_at_or_below,
        percent_rank() over (
            partition by
                peer_values.peer_group_id, peer_values.period_type,
                peer_values.period_start_date, peer_values.metric,
                peer_values.comparison_currency
            order by peer_values.metric_value
        ) as raw_percentile
    from peer_values

),

internal_rows as (

    select
        ranked.site_id,
        ranked.organization_id,
        ranked.region_id,
        ranked.currency,
        ranked.site_type,
        ranked.period_type,
        ranked.period_start_date,
        ranked.prior_period_start_date,
        ranked.last_year_period_start_date,
        ranked.data_complete,
        ranked.peer_group_type,
        ranked.peer_group_id,
        ranked.peer_group_name,
        cast(null as {{ dbt.type_string() }}) as benchmark_source,
        ranked.metric,
        ranked.metric_value,
        group_stats.peer_count,
        cast(
            group_stats.peer_count + 1 - round(ranked.share_at_or_below * group_stats.peer_count)
            as {{ dbt.type_int() }}
        ) as peer_rank,
        case
            when group_stats.peer_count > 1
                then cast(ranked.raw_percentile as float8)
        end as percentile,
        cast(group_stats.median_value as float8) as median_value,
        cast(group_stats.top_quartile_value as float8) as top_quartile_value
    from ranked
    inner join group_stats
        on
            ranked.peer_group_id = group_stats.peer_group_id
            and ranked.period_type = group_stats.period_type
            and ranked.period_start_date = group_stats.period_start_date
            and ranked.metric = group_stats.metric
            and ranked.comparison_currency = group_stats.comparison_currency

),

site_values as (

    {#- each site's own value once (peer_values repeats it for every group) -#}
    select distinct
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
        metric,
        comparison_currency,
        metric_value
    from peer_values

),

external_rows as (

    select
        site_values.site_id,
        site_values.organization_id,
        site_values.region_id,
        site_values.currency,
        site_values.site_type,
        site_values.period_type,
        site_values.period_start_date,
        site_values.prior_period_start_date,
        site_values.last_year_period_start_date,
        site_values.data_complete,
        'external' as peer_group_type,
        'external:'
        || cast(external_benchmarks.external_benchmark_id as {{ dbt.type_string() }})
            as peer_group_id,
        cast(external_benchmarks.external_benchmark_name as {{ dbt.type_string() }})
            as peer_group_name,
        cast(external_benchmarks.source as {{ dbt.type_string() }}) as benchmark_source,
        site_values.metric,
        site_values.metric_value,
        cast(null as {{ dbt.type_int() }}) as peer_count,
        cast(null as {{ dbt.type_int() }}) as peer_rank,
        cast(null as float8) as percentile,
        cast(null as float8) as median_value,
        cast(external_benchmarks.benchmark_value as float8)
            as top_quartile_value
    from site_values
    inner join external_benchmarks
        on
            site_values.metric = external_benchmarks.metric
            and site_values.period_type = external_benchmarks.period_type
            and site_values.period_start_date
            = cast(external_benchmarks.period_start_date as date)
            and (
                external_benchmarks.store_type is null
                or lower(site_values.site_type) = lower(external_benchmarks.store_type)
            )
            and (
                site_values.comparison_currency = 'any'
                or site_values.currency = upper(external_benchmarks.currency)
            )

),

benchmarked as (

    select
        *,
        metric_value - top_quartile_value as gap_to_top_quartile
    from internal_rows

    union all

    select
        *,
        metric_value - top_quartile_value as gap_to_top_quartile
    from external_rows

),

final as (

    select
        benchmarked.site_id,
        benchmarked.organization_id,
        benchmarked.region_id,
        benchmarked.currency,
        benchmarked.period_type,
        benchmarked.period_start_date,
        benchmarked.data_complete,
        benchmarked.peer_group_type,
        benchmarked.peer_group_id,
        benchmarked.peer_group_name,
        benchmarked.benchmark_source,
        benchmarked.metric,
        benchmarked.metric_value,
        benchmarked.peer_count,
        benchmarked.peer_rank,
        benchmarked.percentile,
        benchmarked.median_value,
        benchmarked.top_quartile_value,
        benchmarked.gap_to_top_quartile,
        benchmarked.prior_period_start_date,
        prior_period.metric_value as prior_metric_value,
        prior_period.peer_rank as prior_peer_rank,
        prior_period.percentile as prior_percentile,
        prior_period.gap_to_top_quartile as prior_gap_to_top_quartile,
        benchmarked.last_year_period_start_date,
        last_year.metric_value as last_year_metric_value,
        last_year.peer_rank as last_year_peer_rank,
        last_year.percentile as last_year_percentile,
        last_year.gap_to_top_quartile as last_year_gap_to_top_quartile
    from benchmarked
    left join benchmarked as prior_period
        on
            benchmarked.site_id = prior_period.site_id
            and benchmarked.period_type = prior_period.period_type
            and benchmarked.peer_group_id = prior_period.peer_group_id
            and benchmarked.metric = prior_period.metric
            and benchmarked.prior_period_start_date = prior_period.period_start_date
    left join benchmarked as last_year
        on
            benchmarked.site_id = last_year.site_id
            and benchmarked.period_type = last_year.period_type
            and benchmarked.peer_group_id = last_year.peer_group_id
            and benchmarked.metric = last_year.metric
            and benchmarked.last_year_period_start_date = last_year.period_start_date

)

select * from final
