"""The stewards' work on a case: edits, the worklist and its filters, the overdue rule."""
