"""The kanban board of a series: one model, a card delegate and a column per stage."""
