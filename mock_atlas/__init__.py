"""GlobalSign Atlas: the account journey and the HVCA v2 API."""
