"""Articles: the knowledge base record, its lifecycle, tags and the drafts events write."""
