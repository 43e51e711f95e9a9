"""Small shared building blocks of the service: crypto, signed tokens, errors, upserts."""
