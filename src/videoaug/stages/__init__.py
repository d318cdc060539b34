"""Pipeline stages: each is a function with explicit inputs/outputs, called by videoaug.cli."""
