"""Households' requests (诉求): received from a declaration, a visit or a phone call, handled, resolved or
explained, with the household's feedback; overdue ones listed."""
