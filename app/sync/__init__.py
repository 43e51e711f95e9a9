"""Pulling a connection's data from its platform into the fact tables."""
