"""The digital twin: RAN, transport, core and edge as data and physics."""
