"""Switchboard infrastructure: the CDK app (the one source of truth) and, in infra.local, the local stack."""
