"""dip-sandbox: the kernel (clock, store, ids, dns, mail, journal, errors) and the composition (app, cli)."""
