"""A local AppSync look-alike that serves any schema through any Python Direct Lambda handler."""
