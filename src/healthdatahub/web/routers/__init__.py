"""The portal's routers, one per area; each route's name has an entry in ``web.policy``."""
