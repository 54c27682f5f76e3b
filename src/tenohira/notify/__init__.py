"""Notifications: in-app inbox and email with delivery states."""
