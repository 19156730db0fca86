"""How many slots a CALLBACK offers: the numbers a resident may reply with (read by the keyword step without
loading the booking logic)."""

OFFERED = 3
