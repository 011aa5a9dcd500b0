"""The live center, in parts: ``center.py`` (commands and reads), ``writer.py`` (the one
writer and its batches), ``reactions.py`` (what follows from each routing event),
``projections.py`` (in-memory figures from the events), ``capacity.py``."""
