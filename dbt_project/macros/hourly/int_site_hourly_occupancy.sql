{#- Average and peak occupancy per site and hour: a sensor's own occupancy readings where
    the site has any in that hour (summed over the site's sensors at each instant), else
    the reconstruction from entrance counts. -#}
{% macro int_site_hourly_occupancy_sql(reconstructed_samples, readings, lines) -%}

with

reconstructed_samples as (

    select * from {{ reconstructed_samples }}

),

readings as (

    select * from {{ readings }}

),

sensor_sites as (

    select distinct sensor_id, site_id from {{ lines }}

),

reconstructed as (

    select
        site_id,
        hour_start_at,
        avg(occupancy) as occupancy_avg,
        max(occupancy) as occupancy_peak
    from reconstructed_samples
    group by site_id, hour_start_at

),

site_readings as (

    select
        sensor_sites.site_id,
        readings.measured_at,
        sum(readings.occupancy) as occupancy
    from readings
    inner join sensor_sites
        on readings.sensor_id = sensor_sites.sensor_id
    group by sensor_sites.site_id, readings.measured_at

),

direct as (

    select
        site_id,
        {{ utc_hour('measured_at') }} as hour_start_at,
        avg(occupancy) as occupancy_avg,
        max(occupancy) as occupancy_peak
    from site_readings
    group by site_id, {{ utc_hour('measured_at') }}

),

final as (

    select
        coalesce(direct.site_id, reconstructed.site_id) as site_id,
        coalesce(direct.hour_start_at, reconstructed.hour_start_at) as hour_start_at,
        cast(reconstructed.occupancy_avg as {{ dbt.type_float() }})
            as reconstructed_occupancy_avg,
        cast(direct.occupancy_avg as {{ dbt.type_float() }}) as sensor_occupancy_avg,
        cast(coalesce(direct.occupancy_avg, reconstructed.occupancy_avg)
            as {{ dbt.type_float() }}) as occupancy_avg,
        cast(coalesce(direct.occupancy_peak, reconstructed.occupancy_peak)
            as {{ dbt.type_float() }}) as occupancy_peak,
        case when direct.site_id is not null then 'sensor' else 'reconstructed' end
            as occupancy_source
    from direct
    full outer join reconstructed
        on direct.site_id = reconstructed.site_id
        and direct.hour_start_at = reconstructed.hour_start_at

)

select * from final
{%- endmacro %}
