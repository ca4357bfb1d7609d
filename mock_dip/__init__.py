"""The DIP: the portal and the message API, per environment."""
