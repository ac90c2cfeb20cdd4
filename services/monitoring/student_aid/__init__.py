"""Student aid (教育资助): payments per student by kind, and student loans (生源地助学贷款)."""
