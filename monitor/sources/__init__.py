"""Sources: where documents come from. Each kind implements the Source protocol in base.py."""
