"""Post-mortem trends for managers: where and when recovery cases happen,
spikes that stand out, change events, and whether recovery works."""
