"""Alembic migrations, shipped inside the package so an installed ordermesh can migrate
its own database. Run them with ``ordermesh.adapters.db.migrate.upgrade``."""
