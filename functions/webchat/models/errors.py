"""Chat errors, each answered with one status by the chat API."""


class NoConversation(Exception):
    """The session has not sent a message yet (no thread), so there is nothing to continue by text."""


class UnknownLanguage(Exception):
    pass


class NotAWebChatThread(Exception):
    pass
