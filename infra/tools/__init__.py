"""Operator tools run with `python -m infra.tools.<name>` (see the Makefile)."""
