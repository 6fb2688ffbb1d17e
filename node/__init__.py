"""A country node: keeps the country's records and answers federated searches as its OPA policy allows."""
