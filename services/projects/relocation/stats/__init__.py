"""The area's relocation figures for its report, and one settlement's."""
