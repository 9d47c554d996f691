"""Output stage: the table contract (schema), tables, exports, summary and the HTML report."""
