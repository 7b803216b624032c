"""Ingestion assets, sensors and schedules."""
