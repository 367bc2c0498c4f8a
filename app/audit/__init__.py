"""The deletion audit: what was deleted, by whom and when, readable by admins."""
