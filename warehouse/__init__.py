"""The DuckDB warehouse: migrations, landing, views and the weekly digest."""
