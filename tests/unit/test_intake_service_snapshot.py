"""A report keeps the service it was offered (issue 21 item 7, AWS requests per created request): once the
resident picks a service the session carries it, so the later turns need no catalogue read, and an admin's
edit or removal of the service meanwhile does not change a report half-way."""

from __future__ import annotations

from servicerequests.logic.intake import Place, Said, advance, start
from servicerequests.models.services import Service

POTHOLE = Service.model_validate(
    {
        "service_code": "POT",
        "service_name": "Pothole",
        "keywords": "pothole,hole",
        "attributes": [
            {
                "code": "SIZE",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "How big is it?",
                "values": [{"key": "small", "name": "Small"}, {"key": "big", "name": "Big"}],
            }
        ],
    }
)


def nowhere(_text: str) -> Place | None:
    return Place(address="120 Elm Street", lat=37.76, long=-122.4, resolved=True)


def test_the_chosen_service_travels_in_the_session() -> None:
    turn = start([POTHOLE], "en", "pothole on Elm")
    assert turn.session is not None
    turn = advance(turn.session, Said("1"), [POTHOLE], nowhere)
    assert turn.session is not None and turn.session.service_json is not None
    # Later turns with no catalogue at all (not read, or the service removed meanwhile) still go on
    turn = advance(turn.session, Said("120 Elm Street"), [], nowhere)
    assert turn.say is not None and turn.say.key == "attribute_choices"
    assert turn.session is not None
    turn = advance(turn.session, Said("2"), [], nowhere)
    assert turn.session is not None and turn.session.answers == {"SIZE": "big"}
    assert advance(turn.session, Said("NO"), [], nowhere).create


def test_an_edit_of_the_service_meanwhile_does_not_change_the_questions() -> None:
    turn = start([POTHOLE], "en", "")
    assert turn.session is not None
    turn = advance(turn.session, Said("1"), [POTHOLE], nowhere)
    assert turn.session is not None
    edited = POTHOLE.model_copy(update={"attributes": ()})  # the admin removed the question
    turn = advance(turn.session, Said("120 Elm Street"), [edited], nowhere)
    assert turn.say is not None and turn.say.fields["question"] == "How big is it?"
