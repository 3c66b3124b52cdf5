"""NEST's default time base: ``tics_per_ms`` = 1000 (a tic is 1 us).

The kernel starts from it and can change it (``nest.tics_per_ms``); the models' refractory
counts and the devices' grid checks convert times with this default.
"""
TICS_PER_MS = 1000.0
