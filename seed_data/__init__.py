"""Reference data of the sandbox: timing profiles (and later role codes, the company register, demo orgs)."""
