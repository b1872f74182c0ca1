"""The thin Temporal client wrapper: the API's only door to workflows."""
