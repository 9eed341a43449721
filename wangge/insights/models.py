"""Market-knowledge records (daily snapshots of the headline figures)."""
