"""The information-linkage hub.

Members, services, access rights, agency codes, signed exchanges, access history.
"""
