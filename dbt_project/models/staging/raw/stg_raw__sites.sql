with

source as (

    select * from {{ source('raw', 'sites') }}

),

deduplicated as (

    {{ latest_per_key('source', ['site_id'], order_by='delivered_at desc, ingested_at desc') }}

),

renamed as (

    select
        cast(site_id as {{ dbt.type_string() }}) as site_id,
        cast(organization_id as {{ dbt.type_string() }}) as organization_id,
        cast(region_id as {{ dbt.type_string() }}) as region_id,
        cast(name as {{ dbt.type_string() }}) as site_name,
        cast(site_type as {{ dbt.type_string() }}) as site_type,
        cast(timezone as {{ dbt.type_string() }}) as timezone,
        upper(trim(cast(country as {{ dbt.type_string() }}))) as country_code,
        upper(trim(cast(subdivision as {{ dbt.type_string() }}))) as subdivision_code,
        cast(mall_id as {{ dbt.type_string() }}) as mall_id,
        cast(area_sqm as {{ dbt.type_float() }}) as area_sqm,
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        open_date,
        close_date,
        cast(mon_open as {{ dbt.type_string() }}) as mon_open,
        cast(mon_close as {{ dbt.type_string() }}) as mon_close,
        cast(tue_open as {{ dbt.type_string() }}) as tue_open,
        cast(tue_close as {{ dbt.type_string() }}) as tue_close,
        cast(wed_open as {{ dbt.type_string() }}) as wed_open,
        cast(wed_close as {{ dbt.type_string() }}) as wed_close,
        cast(thu_open as {{ dbt.type_string() }}) as thu_open,
        cast(thu_close as {{ dbt.type_string() }}) as thu_close,
        cast(fri_open as {{ dbt.type_string() }}) as fri_open,
        cast(fri_close as {{ dbt.type_string() }}) as fri_close,
        cast(sat_open as {{ dbt.type_string() }}) as sat_open,
        cast(sat_close as {{ dbt.type_string() }}) as sat_close,
        cast(sun_open as {{ dbt.type_string() }}) as sun_open,
        cast(sun_close as {{ dbt.type_string() }}) as sun_close,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_format as {{ dbt.type_string() }}) as source_format,
        delivered_at,
        ingested_at
    from deduplicated

)

select * from renamed
