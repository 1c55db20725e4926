"""Bucket lifecycle: the configuration (rules.py), due dates (dates.py) and the engine that acts on them."""
