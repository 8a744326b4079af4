"""Backups and disaster recovery: one checksummed (optionally encrypted) archive of the
database, the vectors and the stored uploads; ``service`` is the face."""
