"""Output: `human` draws for people with rich, `export` writes records for machines."""
