"""Batch jobs over a catalogue: generate, check, store, export."""
