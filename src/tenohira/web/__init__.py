"""Server-rendered web: citizen app, supporter console, staff console."""
