"""The feedback survey's step of the inbound pipeline (issue 18), registered by the app's assembly.

Order 305: after the consent keywords (a STOP is a STOP) and the sign-up confirmation, before the callback
keywords (310): a "2" answers whichever of the survey and a callback offer the resident was asked last (the
thread's pending prompt, inbox.dal.pending_prompts), so the survey claims it only while it is the latest."""

from __future__ import annotations

from inbox.pipeline import CONTINUE, InboundMessage, StepContract, StepResult, SystemReplies

from feedback.logic.surveys import FeedbackSurveys

FEEDBACK_RATING = StepContract(
    name="feedback_rating",
    order=305,
    reads=("body", "thread", "survey", "pending_prompt"),
    writes=("survey", "rating", "follow_up", "system_reply"),
    may_claim=True,
)


class FeedbackRatingStep:
    """A digit 1-5 answering the thread's open survey becomes a rating and is claimed (thanked; not for staff,
    so no triage). Any other reply to an open survey ends it and goes on to staff as before."""

    contract = FEEDBACK_RATING

    def __init__(self, surveys: FeedbackSurveys, replies: SystemReplies) -> None:
        self._surveys = surveys
        self._replies = replies

    def run(self, message: InboundMessage) -> StepResult:
        if message.thread_id is None:
            return CONTINUE
        answer = self._surveys.take_answer(message.thread_id, message.sid, message.body, message.received_at)
        if answer is None:
            return CONTINUE
        self._replies.send(message.text(), self._surveys.thanks(answer))
        return StepResult(claimed=True, answered=True, fact=f"rating:{answer.rating.rating}")
