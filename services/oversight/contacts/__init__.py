"""Cadres' contacts with households (phone, WeChat, visit) from phones, and whether a remote contact
counts toward visit compliance (a county's rule; by default only visits count)."""
