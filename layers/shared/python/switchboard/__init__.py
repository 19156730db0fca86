"""Code shared by every Switchboard function, deployed as a Lambda layer."""
