"""Reports: figures supervisors read at a glance, written as data arrives (issue 18, items 3 and 4)."""
