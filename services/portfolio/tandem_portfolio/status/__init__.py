"""A project's RAG status per dimension (rules, overrides), the capacity facts it reads, and weekly status reports."""
