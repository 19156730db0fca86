"""A 311 report by conversation, as a pure state machine: the session, a resident's message in, the next
session and the words to send out.

REPORT (or REPORTAR) starts it; the resident picks a service from a short numbered list (words after
REPORT that match a service's keywords are offered first: "REPORT pothole on Oak"), says where (a typed
address or intersection, resolved through the agency's gazetteer when it knows the place; a WhatsApp shared
location), answers the service's required questions one by one (list answers by number), may send photos,
and gets "Request #1234 created". EXIT (SALIR) leaves at any step; CANCEL is a carrier opt-out word, so the
consent step answers it first and the session ends with nothing created.

No AWS here: the step (intake_step.py) loads and saves the session, resolves places and renders the words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from servicerequests.logic.answers import InvalidAnswers, check_answers
from servicerequests.models.requests import AttributeAnswer
from servicerequests.models.services import Service, ServiceAttribute

START_WORDS = {"REPORT": "en", "REPORTAR": "es", "REPORTE": "es"}
EXIT_WORDS = frozenset({"EXIT", "SALIR"})
SKIP_WORDS = frozenset({"SKIP", "OMITIR", "NO", "NONE", "NINGUNA"})
MAX_CHOICES = 9  # one digit each: a longer catalogue lists its first nine by group (staff can add others)
MAX_RETRIES = 2  # then the session ends and the message is left for staff

Stage = Literal["service", "location", "attribute", "photo"]


@dataclass(frozen=True)
class Place:
    """Where the resident says the problem is."""

    address: str | None = None
    lat: float | None = None
    long: float | None = None
    resolved: bool = False  # found in the agency's gazetteer or given as coordinates


@dataclass(frozen=True)
class Session:
    stage: Stage
    language: str
    choices: tuple[str, ...] = ()  # service codes in the order offered
    service_code: str | None = None
    # The chosen service as it was offered (its JSON): the later turns ask its questions without reading
    # the catalogue again, and an admin's edit meanwhile does not change a report half-way.
    service_json: str | None = None
    attribute_index: int = 0
    answers: dict[str, AttributeAnswer] = field(default_factory=dict)
    place: Place | None = None
    description: str | None = None
    photos: tuple[str, ...] = ()  # "sid/index" of the photos the resident sent during the report
    retries: int = 0


@dataclass(frozen=True)
class Say:
    """Words to send: a key of the `servicerequests` catalog and its fields."""

    key: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    session: Session | None  # None: the report is over (created, exited, or given up)
    say: Say | None
    create: bool = False


@dataclass(frozen=True)
class Said:
    """A resident's message as the machine reads it."""

    text: str
    photos: tuple[str, ...] = ()
    shared: Place | None = None  # a WhatsApp location


def fold(text: str) -> str:
    """Upper case without accents: 'Reportar' and 'REPORTÁR' read the same."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper().strip()


def _choices(services: Sequence[Service], codes: Sequence[str]) -> str:
    names = {service.service_code: service.service_name for service in services}
    return "\n".join(f"{number}. {names[code]}" for number, code in enumerate(codes, start=1))


def suggested(services: Sequence[Service], words: str) -> list[Service]:
    """Services whose keywords (or name) appear in the resident's words, best match first."""
    folded = f" {fold(words)} "
    scored = []
    for service in services:
        terms = {fold(k) for k in service.keywords} | {fold(service.service_name)}
        hits = sum(
            1 for term in terms if term and f" {term} " in folded or (len(term) > 4 and term in folded)
        )
        if hits:
            scored.append((-hits, service.service_name, service))
    return [service for *_, service in sorted(scored, key=lambda entry: entry[:2])]


def start(services: Sequence[Service], language: str, words: str) -> Turn:
    if not services:
        return Turn(None, Say("none_open"))
    ranked = suggested(services, words) if words.strip() else []
    ordered = [*ranked, *(s for s in services if s not in ranked)][:MAX_CHOICES]
    codes = tuple(service.service_code for service in ordered)
    session = Session(stage="service", language=language, choices=codes, description=words.strip() or None)
    choices = _choices(services, codes)
    if ranked:
        return Turn(session, Say("choose_suggested", {"service": ranked[0].service_name, "choices": choices}))
    return Turn(session, Say("choose", {"choices": choices}))


def _variable_attributes(service: Service) -> list[ServiceAttribute]:
    """The questions to ask by text: required ones, in the definition's order."""
    return sorted((a for a in service.attributes if a.variable and a.required), key=lambda a: a.order)


def _ask(service: Service, session: Session) -> Turn:
    """The next question, or the photo prompt when every required question is answered."""
    questions = _variable_attributes(service)
    if session.attribute_index >= len(questions):
        return Turn(replace(session, stage="photo", retries=0), Say("photo"))
    question = questions[session.attribute_index]
    if question.values:
        choices = "\n".join(f"{n}. {v.name}" for n, v in enumerate(question.values, start=1))
        return Turn(
            replace(session, stage="attribute", retries=0),
            Say("attribute_choices", {"question": question.description, "choices": choices}),
        )
    return Turn(
        replace(session, stage="attribute", retries=0), Say("attribute", {"question": question.description})
    )


def _retry(session: Session, say: Say) -> Turn:
    if session.retries >= MAX_RETRIES:
        return Turn(None, None)  # given up: the message stays in the thread for staff
    return Turn(replace(session, retries=session.retries + 1), say)


def _answer_of(question: ServiceAttribute, text: str) -> AttributeAnswer:
    """A list answer by number ("2", or "1 3" for several), else the text as written."""
    if not question.values:
        return text.strip()
    numbers = [part for part in text.replace(",", " ").split() if part.isdigit()]
    picked = [question.values[int(n) - 1].key for n in numbers if 1 <= int(n) <= len(question.values)]
    if question.datatype == "multivaluelist":
        return picked or [text.strip()]
    return picked[0] if len(picked) == 1 else text.strip()


def advance(
    session: Session,
    said: Said,
    services: Sequence[Service],
    locate: Callable[[str], Place | None],
) -> Turn:
    """The next turn of a report in progress."""
    folded = fold(said.text)
    if folded in EXIT_WORDS:
        return Turn(None, Say("exited"))
    photos = session.photos + said.photos
    session = replace(session, photos=photos)
    by_code = {service.service_code: service for service in services}
    chosen = Service.model_validate_json(session.service_json) if session.service_json else None
    service = chosen or by_code.get(session.service_code or "")

    if session.stage == "service":
        picked: Service | None = None
        if folded.isdigit() and 1 <= int(folded) <= len(session.choices):
            picked = by_code.get(session.choices[int(folded) - 1])
        elif folded:
            matches = suggested([by_code[c] for c in session.choices if c in by_code], said.text)
            picked = matches[0] if len(matches) == 1 else None
        if picked is None:
            return _retry(session, Say("choose_again", {"choices": _choices(services, session.choices)}))
        session = replace(
            session,
            service_code=picked.service_code,
            service_json=picked.model_dump_json(),
            stage="location",
            retries=0,
        )
        return Turn(session, Say("location", {"service": picked.service_name}))

    if service is None:  # a report from before snapshots whose service was removed meanwhile
        return Turn(None, Say("exited"))

    if session.stage == "location":
        if said.shared is not None:
            place: Place | None = said.shared
        elif folded in SKIP_WORDS and session.place is not None:
            place = session.place
        elif said.text.strip():
            place = locate(said.text.strip()) or Place(address=said.text.strip()[:500])
        else:
            place = None  # a photo alone: keep it, ask again
        if place is None:
            return _retry(session, Say("location", {"service": service.service_name}))
        if not place.resolved and session.place is None:
            # Not in the gazetteer: ask once more; SKIP (or the same words again) sends it as written.
            return _retry(replace(session, place=place), Say("location_again"))
        return _ask(service, replace(session, place=place, stage="attribute", attribute_index=0))

    if session.stage == "attribute":
        question = _variable_attributes(service)[session.attribute_index]
        try:
            kept = check_answers(_only(service, question), {question.code: _answer_of(question, said.text)})
        except InvalidAnswers as invalid:
            return _retry(
                session,
                Say("attribute_again", {"problem": invalid.problems[0], "question": question.description}),
            )
        answers = {**session.answers, **kept}
        return _ask(service, replace(session, answers=answers, attribute_index=session.attribute_index + 1))

    # stage == "photo": a photo, or NO, or any words (taken as more description) ends the report.
    if not said.photos and folded not in SKIP_WORDS and said.text.strip():
        extra = said.text.strip()
        session = replace(
            session, description=f"{session.description}\n{extra}" if session.description else extra
        )
    return Turn(session, None, create=True)


def _only(service: Service, question: ServiceAttribute) -> Service:
    """The service as if it had only this question (to check one answer at a time)."""
    return service.model_copy(update={"attributes": (question,)})
