{#- One row per site and open weekday: raw.sites' mon_open .. sun_close unpivoted, times
    turned into minutes after local midnight. Weekdays with no hours are closed. -#}
{%- set weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] -%}

with

sites as (

    select * from {{ ref('stg_raw__sites') }}

),

unpivoted as (

    {% for day in weekdays %}
    select
        site_id,
        {{ loop.index }} as iso_weekday,
        '{{ day }}' as weekday_name,
        {{ day }}_open as open_time,
        {{ day }}_close as close_time
    from sites
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        site_id,
        iso_weekday,
        weekday_name,
        open_time,
        close_time,
        {{ hhmm_to_minutes('open_time') }} as open_minute,
        {{ hhmm_to_minutes('close_time') }} as close_minute
    from unpivoted
    where open_time is not null
      and close_time is not null

)

select * from final
