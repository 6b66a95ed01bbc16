"""Seed 004's task-routing service, reconstructed (docs/service.md): the
YAML-driven ``config_loader``, the ``db`` wrapper over sqlite3 and the
``assigner_worker``'s session scan, SLA report and assignment pass, each as
the seed writes it and fixed."""
