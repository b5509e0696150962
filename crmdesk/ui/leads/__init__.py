"""The leads inbox window and its add, import, merge and convert dialogs."""
