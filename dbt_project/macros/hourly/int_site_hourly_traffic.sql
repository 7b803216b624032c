{#- Footfall, exits and passers-by per site and open hour, with completeness: an hour's
    traffic is complete when every entrance line delivered every interval it is expected
    to (its interval_minutes grid, within opening hours). Incomplete hours carry null
    counts, never zero: a sensor outage must not read as an empty store. One row per spine
    hour (the spine left-joined to the counted hours), with the spine's columns: it is the
    hour row fct_site_hourly starts from, so the fact does not re-join the spine. -#}
{% macro int_site_hourly_traffic_sql(spine, lines, intervals) -%}

with

spine as (

    select * from {{ spine }}

),

lines as (

    select * from {{ lines }}
    where line_role in ('entrance', 'passerby')

),

intervals as (

    select * from {{ intervals }}
    where is_within_opening_hours

),

slot_numbers as (

    select n from ({{ numbers(2) }}) as hundred where n < 60

),

expected_slots as (

    {#- the intervals a line should report in an hour: the grid slots overlapping opening -#}
    select
        spine.site_id,
        spine.hour_start_at,
        lines.sensor_id,
        lines.line_id,
        lines.line_role,
        count(*) as expected_intervals
    from spine
    inner join lines
        on spine.site_id = lines.site_id
    inner join slot_numbers
        on slot_numbers.n * lines.expected_interval_minutes < 60
        and spine.local_start_minute + slot_numbers.n * lines.expected_interval_minutes
            < spine.close_minute
        and spine.local_start_minute + (slot_numbers.n + 1) * lines.expected_interval_minutes
            > spine.open_minute
    group by
        spine.site_id, spine.hour_start_at, lines.sensor_id, lines.line_id, lines.line_role

),

observed as (

    select
        site_id,
        hour_start_at,
        sensor_id,
        line_id,
        count(*) as observed_intervals,
        sum(count_in) as count_in,
        sum(count_out) as count_out
    from intervals
    group by site_id, hour_start_at, sensor_id, line_id

),

line_hours as (

    select
        expected_slots.site_id,
        expected_slots.hour_start_at,
        expected_slots.line_role,
        case when coalesce(observed.observed_intervals, 0) >= expected_slots.expected_intervals
            then 0 else 1 end as is_line_incomplete,
        coalesce(observed.count_in, 0) as count_in,
        coalesce(observed.count_out, 0) as count_out
    from expected_slots
    left join observed
        on expected_slots.site_id = observed.site_id
        and expected_slots.hour_start_at = observed.hour_start_at
        and expected_slots.sensor_id = observed.sensor_id
        and expected_slots.line_id = observed.line_id

),

site_hours as (

    select
        site_id,
        hour_start_at,
        sum(case when line_role = 'entrance' then 1 else 0 end) as entrance_lines,
        sum(case when line_role = 'entrance' then is_line_incomplete else 0 end)
            as incomplete_entrance_lines,
        sum(case when line_role = 'passerby' then 1 else 0 end) as passerby_lines,
        sum(case when line_role = 'passerby' then is_line_incomplete else 0 end)
            as incomplete_passerby_lines,
        sum(case when line_role = 'entrance' then count_in else 0 end) as entrance_in,
        sum(case when line_role = 'entrance' then count_out else 0 end) as entrance_out,
        sum(case when line_role = 'passerby' then count_in + count_out else 0 end)
            as passerby_crossings
    from line_hours
    group by site_id, hour_start_at

),

final as (

    select
        spine.site_id,
        spine.organization_id,
        spine.region_id,
        spine.currency,
        spine.hour_start_at,
        spine.hour_end_at,
        spine.local_date,
        spine.local_hour,
        spine.local_start_at,
        spine.open_minutes,
        coalesce(site_hours.entrance_lines, 0) as entrance_lines,
        coalesce(site_hours.incomplete_entrance_lines, 0) as incomplete_entrance_lines,
        coalesce(
            site_hours.entrance_lines > 0 and site_hours.incomplete_entrance_lines = 0, false
        ) as is_traffic_complete,
        case when site_hours.entrance_lines > 0 and site_hours.incomplete_entrance_lines = 0
            then site_hours.entrance_in end as footfall,
        case when site_hours.entrance_lines > 0 and site_hours.incomplete_entrance_lines = 0
            then site_hours.entrance_out end as exits,
        case when site_hours.passerby_lines > 0 and site_hours.incomplete_passerby_lines = 0
            then site_hours.passerby_crossings end as passersby
    from spine
    left join site_hours
        on spine.site_id = site_hours.site_id
        and spine.hour_start_at = site_hours.hour_start_at

)

select * from final
{%- endmacro %}
