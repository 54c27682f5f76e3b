"""Reference agency systems, each reachable only through the hub."""
