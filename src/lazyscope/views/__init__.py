"""What a user sees: status, metadata, DAG, progress and advisor views."""
