"""The approvals inbox, the decision dialog and the shared status texts."""
