{#- Occupancy reconstructed from entrance counts, per site and local day, sampled at the end
    of every counted interval within opening hours:
      1. running sum of (entries - exits) from opening, floored at 0 the way a counter that
         cannot go negative would be (running - least(0, running minimum so far));
      2. the day's end-of-day imbalance (counting lines drift) is spread over the day
         linearly by elapsed opening time: minus imbalance * elapsed / opening length;
      3. floored at 0 again. At close (elapsed = 1) the store is empty. -#}

{{ int_site_occupancy_intervals_sql(ref('int_sensor_intervals'), ref('int_site_opening_hours')) }}
