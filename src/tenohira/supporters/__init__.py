"""Digital supporters: delegations, help requests, assisted sessions."""
