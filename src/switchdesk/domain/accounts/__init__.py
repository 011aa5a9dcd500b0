"""People, roles, permissions and the organisation of a contact center."""
