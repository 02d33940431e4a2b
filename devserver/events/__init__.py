"""Event sources delivered locally as Lambda delivers them: streams, filters, batches, retries."""
