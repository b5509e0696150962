"""Data files shipped inside the package: playbooks, translations, icons."""
