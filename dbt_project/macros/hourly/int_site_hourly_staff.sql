{#- Staff hours per site and open hour: every shift split across the hours it overlaps
    (overlap minutes / 60). A local day without any shift at the site has no roster feed,
    so its staff hours are null, not zero. -#}
{% macro int_site_hourly_staff_sql(spine, shifts) -%}

with

spine as (

    select * from {{ spine }}

),

shifts as (

    select * from {{ shifts }}
    where shift_end_at > shift_start_at

),

shift_overlaps as (

    select
        spine.site_id,
        spine.hour_start_at,
        {{ dbt.datediff(
            to_utc_naive('case when shifts.shift_start_at > spine.hour_start_at '
                         'then shifts.shift_start_at else spine.hour_start_at end'),
            to_utc_naive('case when shifts.shift_end_at < spine.hour_end_at '
                         'then shifts.shift_end_at else spine.hour_end_at end'),
            'second') }} as overlap_seconds
    from spine
    inner join shifts
        on spine.site_id = shifts.site_id
        and shifts.shift_start_at < spine.hour_end_at
        and shifts.shift_end_at > spine.hour_start_at

),

hourly as (

    select
        site_id,
        hour_start_at,
        sum(overlap_seconds) / 3600.0 as staff_hours
    from shift_overlaps
    group by site_id, hour_start_at

),

with_roster as (

    select
        spine.site_id,
        spine.hour_start_at,
        spine.local_date,
        hourly.staff_hours,
        max(case when hourly.site_id is not null then 1 else 0 end) over (
            partition by spine.site_id, spine.local_date
        ) as has_roster
    from spine
    left join hourly
        on spine.site_id = hourly.site_id
        and spine.hour_start_at = hourly.hour_start_at

),

final as (

    select
        site_id,
        hour_start_at,
        local_date,
        has_roster = 1 as has_roster,
        cast(case when has_roster = 1 then coalesce(staff_hours, 0) end
            as {{ dbt.type_float() }}) as staff_hours
    from with_roster

)

select * from final
{%- endmacro %}
