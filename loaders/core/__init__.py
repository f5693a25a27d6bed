"""Shared plumbing of the loaders: errors, paths, the recipe declaration types, row schema, files."""
