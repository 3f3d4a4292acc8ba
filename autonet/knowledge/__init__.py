"""The structured-data model, long-term memory and domain knowledge."""
