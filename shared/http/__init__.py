"""HTTP plumbing shared by the API function: problems, routing, auth, OpenAPI."""
