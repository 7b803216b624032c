{#- Counted intervals of entrance and passer-by lines in site-local time (ingestion already
    swapped in and out for direction-inverted lines), each tagged with its UTC hour and whether it overlaps opening hours
    (an interval counts when it overlaps [open, close) of its local weekday). -#}
{% macro int_sensor_intervals_sql(counts, lines, opening_hours) -%}

with

counts as (

    select * from {{ counts }}

),

lines as (

    select * from {{ lines }}
    where line_role in ('entrance', 'passerby')

),

opening_hours as (

    select * from {{ opening_hours }}

),

localized as (

    select
        lines.site_id,
        counts.sensor_id,
        counts.line_id,
        lines.line_role,
        counts.period_start_at,
        counts.period_end_at,
        counts.count_in,
        counts.count_out,
        {{ utc_hour('counts.period_start_at') }} as hour_start_at,
        {{ to_local('counts.period_start_at', 'lines.timezone') }} as local_start_at,
        {{ dbt.datediff(to_utc_naive('counts.period_start_at'),
                        to_utc_naive('counts.period_end_at'), 'minute') }}
            as interval_length_minutes
    from counts
    inner join lines
        on counts.sensor_id = lines.sensor_id
        and counts.line_id = lines.line_id

),

with_local_day as (

    select
        *,
        cast(local_start_at as date) as local_date,
        {{ minute_of_day('local_start_at') }} as local_start_minute
    from localized

),

final as (

    select
        with_local_day.*,
        coalesce(
            with_local_day.local_start_minute < opening_hours.close_minute
            and with_local_day.local_start_minute + with_local_day.interval_length_minutes
                > opening_hours.open_minute,
            false
        ) as is_within_opening_hours
    from with_local_day
    left join opening_hours
        on with_local_day.site_id = opening_hours.site_id
        and {{ date_part_int('isodow', 'with_local_day.local_date') }}
            = opening_hours.iso_weekday
        and with_local_day.local_date between opening_hours.valid_from and opening_hours.valid_to

)

select * from final
{%- endmacro %}
