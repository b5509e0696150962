"""Dialogs of the interface: each collects input and returns a typed value."""
