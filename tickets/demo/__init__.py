"""Demo data for `manage.py seed_demo`: hand-written texts, a plan drawn from
a fixed random seed, and its playback through the services."""
