"""The activity timeline of a deal or a customer, and shared activity texts."""
