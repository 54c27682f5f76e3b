"""The citizen-facing side: applications, push notices, do-them-for-me, the birth scenario."""
