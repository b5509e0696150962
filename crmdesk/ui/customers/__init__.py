"""The customer board, its card delegate, the state note dialog and the detail panel."""
