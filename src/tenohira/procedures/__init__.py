"""The procedure catalogue (data files) and deadline computation."""
