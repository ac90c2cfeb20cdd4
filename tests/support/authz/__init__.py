"""The authorisation matrix's rule, its world and the ids inside bodies (tests/test_authorization.py)."""
