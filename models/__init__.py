"""SQLAlchemy tables, their query functions, and pure domain logic shared by API and worker."""
