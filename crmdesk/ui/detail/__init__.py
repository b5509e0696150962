"""The deal detail panel: fields, stage, win probability, checklist and records."""
