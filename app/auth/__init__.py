"""Users, roles, passwords and API tokens. Knows nothing about tickets."""
