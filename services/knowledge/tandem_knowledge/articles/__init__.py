"""Articles: the knowledge base record, its versions, lifecycle, evergreen rules, diffs and tags."""
