-- Reconstructed occupancy never goes below 0 and is 0 at the sample that ends at close.
select site_id, local_date, period_end_at, occupancy
from {{ ref('int_site_occupancy_intervals') }}
where occupancy < 0
   or (elapsed_fraction = 1 and occupancy <> 0)
