"""Placeholder: filled by the crm import work."""
