"""The six agents of the closed loop."""
