"""The inbound consumer's media source for web chat messages: the checked photo of *this* session only.

A `webchat.inbound` envelope names its photo as `MediaUrl0 = webchat-upload:{upload_id}`; the object read is
`webchat/{session_id}/{upload_id}`, where only the chat API writes, after checking it and re-encoding it from
its pixels. Any other URL, or a photo of another session, is refused (the message is stored without it).
"""

from __future__ import annotations

from inbox.models.media import MediaBlob, MediaUnavailable

from webchat.dal.uploads import PhotoUploads, upload_id_of
from webchat.logic.photos import MAX_PHOTO_BYTES, sniff


class CheckedPhotoSource:
    def __init__(self, uploads: PhotoUploads, session_id: str) -> None:
        self._uploads = uploads
        self._session_id = session_id

    def download(self, url: str) -> MediaBlob:
        upload_id = upload_id_of(url)
        if upload_id is None:
            raise MediaUnavailable("not a web chat photo")
        found = self._uploads.read_checked(self._session_id, upload_id)
        if found is None:
            raise MediaUnavailable("web chat photo not found")
        content_type, content = found
        # Checked before it was written; checked again so nothing else ever reaches an agent's page.
        if len(content) > MAX_PHOTO_BYTES or sniff(content) != content_type:
            raise MediaUnavailable("web chat photo failed its check")
        return MediaBlob(content=content, content_type=content_type, reencoded=True)
