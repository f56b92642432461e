"""The fault suite (`make faults`): the portal under database, cache, disk, process and
clock faults, against PostgreSQL. Not an app; see faults/conftest.py."""
