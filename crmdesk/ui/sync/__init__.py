"""The desktop side of sync: the round runner, status bar part and issues panel."""
