"""Planning: the Python side of blipee's targets (the cascade itself is dbt SQL)."""
