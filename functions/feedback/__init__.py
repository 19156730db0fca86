"""How are we doing (issue 18): one short survey to a resident when their conversation is closed, their 1-5
answer stored as a rating (with the agent, department and channel), follow-up items for supervisors on a low
rating with words, and an anonymous pulse of staff."""
