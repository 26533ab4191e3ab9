"""FHIR R4 resources as plain dicts: one module per resource type, pure functions from the
clinic's models (or selector rows) to JSON-ready dicts. No queries, no request: what a mapper
needs (absolute links, what the reader may see) comes in as arguments."""
