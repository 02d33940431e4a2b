"""The local stack and its command line: backends' lifecycle, snapshots, seed, banner and the served app."""
