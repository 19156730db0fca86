"""SMS segments now live in the shared layer (switchboard.segments): the reply composer's translation preview
counts them too (issue 20). Kept so the alert composer's imports read as before."""

from switchboard.segments import GSM7_BASIC, GSM7_EXTENSION, Encoding, SegmentCount, count_segments

__all__ = ["GSM7_BASIC", "GSM7_EXTENSION", "Encoding", "SegmentCount", "count_segments"]
