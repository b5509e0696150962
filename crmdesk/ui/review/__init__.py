"""The pipeline review window of team leads: reports, charts and exports."""
