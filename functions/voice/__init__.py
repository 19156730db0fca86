"""Voice: the agency number's IVR. A caller hears what is pending for them (without personal data: caller id
can be spoofed), then continues by text, books a callback, hears today's alerts or reaches a person."""
