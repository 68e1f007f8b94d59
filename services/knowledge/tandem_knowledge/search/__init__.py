"""Full-text search over articles: the query language, ranked matches, snippets and facets."""
