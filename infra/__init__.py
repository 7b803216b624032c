"""The plumbing every part of blipee imports: settings, warehouse connections, the embedded
PostgreSQL server and HTTP retries. Domain packages (`ingestion/`, `models_ml/`, `exports/`)
import this, never each other, for plumbing."""
