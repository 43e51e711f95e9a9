"""Business connections: connecting platform accounts, their tokens and their status."""
