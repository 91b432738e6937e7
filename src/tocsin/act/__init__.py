"""Act: the only layer that turns a decision's effects into actions."""
