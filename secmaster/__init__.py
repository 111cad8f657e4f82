"""Security master: instruments, books and positions on PostgreSQL, with change events on Kafka.

Modules: ``models`` (SQLAlchemy), ``migrate`` (Alembic), ``schemas`` (pydantic), ``repository``
(database access, ``load_book``), ``outbox`` (events and their relay), ``bulk`` (JSON/CSV import),
``api`` (the FastAPI router), ``treasury`` and ``swapgen`` (seed data), ``seed``.
Imports only ``core``, ``pricing.conventions`` and third-party libraries.
"""
