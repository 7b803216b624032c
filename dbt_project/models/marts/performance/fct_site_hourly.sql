{#- One row per site and open hour (UTC), the seed's performance_metrics. Incremental:
    each run recomputes, per site, every local day from (the site's newest loaded hour
    - lookback_hours - 24h; the extra day covers any UTC offset), whole days so that the
    occupancy drift correction sees the full day, plus every hour of a site not loaded yet,
    and replaces those rows by (site_id, hour_start_at) with delete+insert. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=blipee_incremental_strategy(),
        unique_key=['site_id', 'hour_start_at'],
        on_schema_change='fail',
    )
}}

with

spine as (

    select int_site_hour_spine.*
    from {{ ref('int_site_hour_spine') }} as int_site_hour_spine
    {% if is_incremental() %}
    left join (
        select
            site_id,
            cast({{ dbt.dateadd('hour', -(var('lookback_hours') | int) - 24,
                                to_utc_naive('max(hour_start_at)')) }} as date)
                as recompute_from_date
        from {{ this }}
        group by site_id
    ) as loaded
        on int_site_hour_spine.site_id = loaded.site_id
    where loaded.recompute_from_date is null
       or int_site_hour_spine.local_date >= loaded.recompute_from_date
    {% endif %}

),

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

joined as (

    select
        spine.site_id,
        spine.organization_id,
        spine.region_id,
        spine.hour_start_at,
        spine.hour_end_at,
        spine.local_date,
        spine.local_hour,
        spine.local_start_at,
        spine.open_minutes,
        spine.currency,
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
    from spine
    left join traffic
        on spine.site_id = traffic.site_id
        and spine.hour_start_at = traffic.hour_start_at
    left join sales
        on spine.site_id = sales.site_id
        and spine.hour_start_at = sales.hour_start_at
    left join staff
        on spine.site_id = staff.site_id
        and spine.hour_start_at = staff.hour_start_at
    left join occupancy
        on spine.site_id = occupancy.site_id
        and spine.hour_start_at = occupancy.hour_start_at
    left join zone_dwell
        on spine.site_id = zone_dwell.site_id
        and spine.hour_start_at = zone_dwell.hour_start_at

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
        is_traffic_complete,
        is_sales_complete,
        is_traffic_complete and is_sales_complete as data_complete
    from with_dwell_terms

)

select * from final
