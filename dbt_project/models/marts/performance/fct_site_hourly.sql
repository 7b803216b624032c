{#- One row per site and open hour (UTC), the seed's performance_metrics. Incremental:
    each run recomputes every local day from one date computed once before the run
    (macros/hourly/recompute_window.sql: per site, its newest loaded hour - lookback_hours
    - 24 h, whole days so that the occupancy drift correction sees the full day; a site not
    loaded yet from its first raw row; the earliest of these), and replaces those rows by
    (site_id, hour_start_at) with delete+insert. The incremental branch runs the
    intermediate models' own SQL (macros/hourly/, documented in _hourly__macros.yml) over
    the staging rows from the day before that date on, so the filter reaches the raw scans
    and the latest-delivery dedup instead of the whole history. The full branch reads the
    intermediate views. Every relation either branch reads is a ref (the `depends_on`
    lines name the incremental branch's, which dbt does not render at parse time), so the
    lineage graph has every edge. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=blipee_incremental_strategy(),
        unique_key=['site_id', 'hour_start_at'],
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('stg_raw__sensor_counts') }}
-- depends_on: {{ ref('base_raw__pos_transactions') }}
-- depends_on: {{ ref('stg_raw__pos_transaction_lines') }}
-- depends_on: {{ ref('stg_raw__pos_locations') }}
-- depends_on: {{ ref('stg_raw__staff_shifts') }}
-- depends_on: {{ ref('stg_raw__sensor_occupancy') }}
-- depends_on: {{ ref('stg_raw__zone_activity') }}
-- depends_on: {{ ref('stg_raw__sites') }}
-- depends_on: {{ ref('int_sensor_lines') }}
-- depends_on: {{ ref('int_site_opening_hours') }}
{%- set from_date = blipee_recompute_from_date(this) if execute and is_incremental() else none %}

with

{% if from_date is not none -%}
{%- set from_sql = "cast('" ~ from_date.isoformat() ~ "' as date)" -%}
{#- raw rows from UTC midnight of the day before from_date cover its local days anywhere -#}
{%- set since_day = from_date - modules.datetime.timedelta(days=1) -%}
{%- set since_sql = "cast('" ~ since_day.isoformat()
                     ~ " 00:00:00+00' as timestamp with time zone)" -%}
counts_window as (

    {#- period_start is part of the dedup key, so this filter reaches the raw scan -#}
    select * from {{ ref('stg_raw__sensor_counts') }}
    where period_start_at >= {{ since_sql }}

),

intervals_window as (

    {{ int_sensor_intervals_sql('counts_window', ref('int_sensor_lines'),
                                ref('int_site_opening_hours')) }}

),

pos_deliveries_window as (

    {#- every delivery of the transactions that have one in the window, so the latest
        delivery still wins (a correction may move a transaction's time) -#}
    select * from {{ ref('base_raw__pos_transactions') }}
    where (source_system, external_id) in (
        select source_system, external_id from {{ ref('base_raw__pos_transactions') }}
        where transacted_at >= {{ since_sql }}
    )

),

pos_latest_window as (

    {{ latest_per_key('pos_deliveries_window', ['source_system', 'external_id']) }}

),

pos_staged_window as (

    select * from pos_latest_window
    where transacted_at >= {{ since_sql }}

),

pos_lines_window as (

    select * from {{ ref('stg_raw__pos_transaction_lines') }}
    where (source_system, external_id) in (
        select source_system, external_id from pos_staged_window
    )

),

transactions_window as (

    {{ int_pos_transactions_localized_sql('pos_staged_window', 'pos_lines_window',
                                          ref('stg_raw__sites')) }}

),

loaded_days as (

    select site_id, min(local_date) as min_local_date, max(local_date) as max_local_date
    from {{ this }}
    group by site_id

),

spine as (

    {{ int_site_hour_spine_sql(ref('stg_raw__sites'), ref('int_site_opening_hours'),
                               'intervals_window', 'transactions_window',
                               from_date=from_sql, prior_days='loaded_days') }}

),

traffic as (

    {{ int_site_hourly_traffic_sql('spine', ref('int_sensor_lines'), 'intervals_window') }}

),

prior_pos_sites as (

    {#- sites known to have a POS from the rows already loaded (their transactions may all
        lie before the window) -#}
    select distinct site_id from {{ this }}
    where has_pos_feed

),

sales as (

    {{ int_site_hourly_sales_sql('spine', 'transactions_window', ref('stg_raw__pos_locations'),
                                 prior_pos_sites='prior_pos_sites') }}

),

shifts_window as (

    {#- shift_end is not part of the dedup key: filtered after it -#}
    select * from {{ ref('stg_raw__staff_shifts') }}
    where shift_end_at > {{ since_sql }}

),

staff as (

    {{ int_site_hourly_staff_sql('spine', 'shifts_window') }}

),

occupancy_samples_window as (

    {{ int_site_occupancy_intervals_sql('intervals_window', ref('int_site_opening_hours')) }}

),

readings_window as (

    select * from {{ ref('stg_raw__sensor_occupancy') }}
    where measured_at >= {{ since_sql }}

),

occupancy as (

    {{ int_site_hourly_occupancy_sql('occupancy_samples_window', 'readings_window',
                                     ref('int_sensor_lines')) }}

),

zone_activity_window as (

    select * from {{ ref('stg_raw__zone_activity') }}
    where period_start_at >= {{ since_sql }}

),

zone_dwell as (

    {{ int_site_hourly_zone_dwell_sql('zone_activity_window', ref('int_sensor_lines')) }}

),

{%- else %}
    traffic as (

        select * from {{ ref('int_site_hourly_traffic') }}

    ),

    sales as (

        select * from {{ ref('int_site_hourly_sales') }}

    ),

    staff as (

        select * from {{ ref('int_site_hourly_staff') }}

    ),

    occupancy as (

        select * from {{ ref('int_site_hourly_occupancy') }}

    ),

    zone_dwell as (

        select * from {{ ref('int_site_hourly_zone_dwell') }}

    ),

{%- endif %}

joined as (

    {#- traffic is the spine hour by hour (one row per spine hour, with its columns), so
        the hours come from it and the spine is not joined again -#}
    select
        traffic.site_id,
        traffic.organization_id,
        traffic.region_id,
        traffic.hour_start_at,
        traffic.hour_end_at,
        traffic.local_date,
        traffic.local_hour,
        traffic.local_start_at,
        traffic.open_minutes,
        traffic.currency,
        coalesce(traffic.entrance_lines, 0) > 0 as has_traffic_feed,
        coalesce(sales.has_pos_feed, false) as has_pos_feed,
        coalesce(traffic.is_traffic_complete, false) as is_traffic_complete,
        coalesce(sales.is_sales_complete, false) as is_sales_complete,
        traffic.footfall,
        traffic.exits,
        traffic.passersby,
        {#- a sensor's own occupancy wins; the reconstruction needs complete counts -#}
        
        case
            when occupancy.occupancy_source = 'sensor' then occupancy.occupancy_avg
            when traffic.is_traffic_complete then occupancy.occupancy_avg
        end as occupancy_avg,
        case
            when occupancy.occupancy_source = 'sensor' then occupancy.occupancy_peak
            when traffic.is_traffic_complete then occupancy.occupancy_peak
        end as occupancy_peak,
        zone_dwell.dwell_minutes_total as zone_dwell_minutes_total,
        zone_dwell.dwell_visits as zone_dwell_visits,
        sales.transactions,
        sales.returns,
        sales.voids,
        sales.sales_amount,
        sales.refund_amount,
        sales.net_sales,
        sales.units,
        staff.staff_hours
    from traffic
    left join sales
        on
            traffic.site_id = sales.site_id
            and traffic.hour_start_at = sales.hour_start_at
    left join staff
        on
            traffic.site_id = staff.site_id
            and traffic.hour_start_at = staff.hour_start_at
    left join occupancy
        on
            traffic.site_id = occupancy.site_id
            and traffic.hour_start_at = occupancy.hour_start_at
    left join zone_dwell
        on
            traffic.site_id = zone_dwell.site_id
            and traffic.hour_start_at = zone_dwell.hour_start_at

),

with_dwell_terms as (

    {#- dwell as a ratio of sums: the sensor's own (visit-weighted dwell minutes / visits)
        where present, else Little's law (person-minutes of occupancy / entries) -#}
    select
        *,
        cast(occupancy_avg * open_minutes as {{ dbt.type_float() }}) as occupancy_minutes,
        case
            when zone_dwell_visits > 0 then zone_dwell_minutes_total
            when footfall is not null then
                cast(occupancy_avg * open_minutes as {{ dbt.type_float() }})
        end as dwell_minutes_total,
        case
            when zone_dwell_visits > 0 then zone_dwell_visits
            when occupancy_avg is not null then footfall
        end as dwell_visits
    from joined

),

final as (

    select
        site_id,
        organization_id,
        region_id,
        hour_start_at,
        hour_end_at,
        local_date,
        local_hour,
        local_start_at,
        open_minutes,
        currency,
        footfall,
        exits,
        passersby,
        {{ ratio('footfall', 'passersby') }} as capture_rate,
        occupancy_avg,
        occupancy_peak,
        occupancy_minutes,
        dwell_minutes_total,
        dwell_visits,
        {{ ratio('dwell_minutes_total', 'dwell_visits') }} as avg_dwell_minutes,
        transactions,
        returns,
        voids,
        cast(sales_amount as {{ dbt.type_numeric() }}) as sales_amount,
        cast(refund_amount as {{ dbt.type_numeric() }}) as refund_amount,
        cast(net_sales as {{ dbt.type_numeric() }}) as net_sales,
        units,
        {{ ratio('net_sales', 'transactions') }} as atv,
        {{ ratio('units', 'transactions') }} as upt,
        {{ ratio('transactions', 'footfall') }} as conversion_rate,
        {{ ratio('net_sales', 'footfall') }} as sales_per_visitor,
        staff_hours,
        {{ ratio('footfall', 'staff_hours') }} as shopper_to_staff,
        {{ ratio('net_sales', 'staff_hours') }} as sales_per_staff_hour,
        has_traffic_feed,
        has_pos_feed,
        is_traffic_complete,
        is_sales_complete,
        {#- complete = every source the site has delivered the hour (docs/metrics.md):
            a footfall-only site is complete when its traffic is -#}
        
        (has_traffic_feed or has_pos_feed)
        and (is_traffic_complete or not has_traffic_feed)
        and (is_sales_complete or not has_pos_feed) as data_complete
    from with_dwell_terms

)

select * from final
