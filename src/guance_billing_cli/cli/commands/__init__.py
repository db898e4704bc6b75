"""The command groups, one module per group (`guance-billing <group> ...`), loaded lazily by
name from ``app.py`` (``GROUPS``, with each group's help). They parse, prompt, call the
client and render; the toolkit holds what they share."""
