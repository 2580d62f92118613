"""Probes: one-off measurements behind docs/recognition-experiments.md, kept so that its
tables can be produced again. They patch the recognizer from outside; nothing in
voice_coach uses them."""
