"""The triage scorer (issue 17): levels and reasons from rules that are data, over the labelled set and edge
cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from switchboard.i18n import has
from triage.eval import LabelError, evaluate, figures, main, read_labelled
from triage.logic.scorer import DEFAULT_RULES_PATH, Scorer, _damerau_within, default_rules
from triage.logic.text import words_of
from triage.models.rules import RuleSet

LABELLED = Path(__file__).resolve().parents[1] / "data" / "triage" / "labelled.tsv"
HELDOUT = Path(__file__).resolve().parents[1] / "data" / "triage" / "heldout.tsv"
scorer = Scorer(default_rules())


def reasons(text: str) -> dict[str, str]:
    return {reason.code: reason.text for reason in scorer.score(text).reasons}


# --- the labelled sets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [LABELLED, HELDOUT], ids=["labelled", "heldout"])
def test_every_critical_is_caught_and_few_normal_are_raised(path: Path) -> None:
    items = read_labelled(path.read_text(encoding="utf-8").splitlines())
    outcomes = evaluate(items, scorer)
    fig = figures(outcomes)
    missed = [o.item.text for o in outcomes if o.item.level == "critical" and o.scored != "critical"]
    assert missed == []
    assert fig.normal_raised is not None and fig.normal_raised < 0.05


def test_the_shipped_set_is_big_enough_and_bilingual() -> None:
    items = read_labelled(LABELLED.read_text(encoding="utf-8").splitlines())
    assert len(items) >= 150
    notes = " ".join(item.note for item in items)
    assert "idiom" in notes and "look-alike" in notes
    spanish = [item for item in items if any(ch in item.text for ch in "áéíóúñ¿")]
    assert len(spanish) >= 20


# --- reasons: code and the exact span ---------------------------------------------------------------------


def test_reason_names_the_code_and_the_exact_span() -> None:
    text = "Please help. I took all my pills an hour ago"
    score = scorer.score(text)
    assert score.level == "critical" and score.crisis
    (reason,) = [r for r in score.reasons if r.code == "self_harm.method"]
    assert reason.text == "took all my pills"
    assert text[reason.start : reason.end] == reason.text


def test_examples_from_the_issue() -> None:
    assert reasons("I smell gas in the kitchen")["safety.gas"] == "smell gas"
    gas_and_baby = scorer.score("I smell gas and my baby is asleep upstairs")
    assert (
        gas_and_baby.level == "critical" and not gas_and_baby.crisis
    )  # critical, but not a self-harm answer
    assert {r.code: r.text for r in gas_and_baby.reasons}["vulnerable.infant"] == "my baby"


def test_emoji_count_as_their_word_and_the_span_is_the_emoji() -> None:
    text = "took all my 💊"
    score = scorer.score(text)
    assert score.level == "critical"
    assert reasons(text)["self_harm.method"] == "took all my 💊"
    assert scorer.score("fire in my kitchen 🔥🔥").level == "critical"
    assert scorer.score("thanks for the new park 👶").level == "normal"


@pytest.mark.parametrize(
    "text",
    ["I SMELL GAS", "i smell gas", "I sMeLl GaS!!!", "HUELE A GAS", "huele a gás", "Huéle á gas"],
)
def test_case_and_accents_do_not_matter(text: str) -> None:
    assert scorer.score(text).level == "critical"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("thinking about sucide", "self_harm.intent"),  # a letter missing
        ("thinking of killing myslef", "self_harm.intent"),  # two letters swapped
        ("i want to kil myself", "self_harm.intent"),  # a short word slips inside a phrase
        ("I want to kill my self", "self_harm.intent"),  # written apart
        ("carbon monoxde alarm", "safety.gas"),
    ],
)
def test_small_spelling_slips_are_caught(text: str, code: str) -> None:
    assert code in reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        "I paid all my bills on time",  # bills is not pills
        "took all my pillows to the donation center",
        "kill time at the library",
        "I will myself to go to the gym",  # 'will' is a real word, never a slip of 'kill'
        "this pothole is killing my tires",
        "dying to know when the pool opens",
        "me muero de risa",
        "me muero de ganas de ir",
        "Is there a suicide prevention training",
        "got fired, need help with rent",
    ],
)
def test_look_alikes_and_idioms_stay_normal(text: str) -> None:
    assert scorer.score(text).level == "normal", scorer.score(text).reasons


def test_an_idiom_does_not_hide_a_real_crisis_beside_it() -> None:
    score = scorer.score("dying to know if anyone reads this. I took all my pills")
    assert score.level == "critical"
    assert "self_harm.method" in score.codes


def test_a_vulnerable_person_alone_is_not_urgent_but_raises_a_need() -> None:
    assert scorer.score("my baby's daycare wants proof of address").level == "normal"
    assert scorer.score("no water since this morning").level == "normal"
    score = scorer.score("no water since this morning and I have a newborn")
    assert score.level == "high"
    assert {"needs.water", "vulnerable.infant"} <= set(score.codes)


def test_a_rule_may_say_its_own_level_with_a_vulnerable_person() -> None:
    assert scorer.score("my dog wandered off").level == "normal"
    assert scorer.score("my dad has dementia and wandered off").level == "critical"


def test_spanish_words_decide_the_language() -> None:
    score = scorer.score("me tomé todas mis pastillas")
    assert (score.level, score.language, score.crisis) == ("critical", "es", True)
    assert scorer.score("I want to kill myself").language == "en"


def test_every_score_says_which_rules_version_made_it() -> None:
    assert scorer.score("hello").rules_version == default_rules().version


# --- properties -------------------------------------------------------------------------------------------

noise = st.text(alphabet=st.sampled_from("0123456789 .,!?-\n"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_scores_and_every_span_is_in_the_text(text: str) -> None:
    score = scorer.score(text)
    for reason in score.reasons:
        assert text[reason.start : reason.end] == reason.text


@settings(max_examples=100, deadline=None)
@given(before=noise, after=noise, phrase=st.sampled_from(["kill myself", "smell gas", "took all my pills"]))
def test_a_critical_phrase_is_caught_whatever_surrounds_it(before: str, after: str, phrase: str) -> None:
    assert scorer.score(f"{before} {phrase} {after}").level == "critical"


# --- the rules are data -----------------------------------------------------------------------------------


def test_the_shipped_rules_are_valid_and_every_phrase_has_words() -> None:
    rules = RuleSet.model_validate_json(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    for rule in [*rules.rules, *rules.modifiers, *rules.idioms]:
        for phrases in rule.phrases.values():
            for phrase in phrases:
                assert words_of(phrase.replace("...", " ").replace("*", ""), rules.emoji), phrase
    # The crisis answer is the message catalog's, in every language it has, unless the agency writes its own.
    assert rules.crisis_reply == {}
    assert all(has("triage.crisis_reply", lang) for lang in ("en", "es"))


def test_changing_the_data_changes_the_score_without_code() -> None:
    data = json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["version"] += 1
    data["rules"].append({"code": "safety.bees", "level": "high", "phrases": {"en": ["swarm of bees"]}})
    custom = Scorer(RuleSet.model_validate(data))
    score = custom.score("a swarm of bees in the kitchen")
    assert (score.level, score.rules_version) == ("high", data["version"])


@pytest.mark.parametrize(
    "broken",
    [
        {"code": "Bad Code", "level": "high", "phrases": {"en": ["x"]}},
        {"code": "a.b", "level": "urgent", "phrases": {"en": ["x"]}},
        {"code": "a.b", "level": "high", "phrases": {"en": ["... x"]}},
        {"code": "a.b", "level": "high", "phrases": {"english": ["x"]}},
    ],
)
def test_a_broken_rule_is_refused(broken: dict[str, object]) -> None:
    data = json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["rules"].append(broken)
    with pytest.raises(ValueError):
        RuleSet.model_validate(data)


# --- the evaluation command -------------------------------------------------------------------------------


def test_eval_prints_recall_share_and_confusion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labelled = tmp_path / "set.tsv"
    labelled.write_text(
        "# a comment\n\nI smell gas\tcritical\nwhen is trash day\tnormal\tnote\n"
        "no heat and my baby is cold\thigh\nmy back is killing me\tnormal\nhello\tcritical\tmissed\n",
        encoding="utf-8",
    )
    assert main([str(labelled)]) == 0
    out = capsys.readouterr().out
    assert "critical recall: 50.0% (1/2)" in out
    assert "high recall (scored high or critical): 100.0%" in out
    assert "normal raised above normal: 0.0%" in out
    assert "  critical         1         0         1" in out
    assert "7: critical -> normal (under) [] hello" in out


def test_eval_refuses_a_malformed_line(tmp_path: Path) -> None:
    with pytest.raises(LabelError, match="line 2"):
        read_labelled(["ok\tnormal", "no level here"])
    bad = tmp_path / "bad.tsv"
    bad.write_text("text\turgent\n", encoding="utf-8")
    assert main([str(bad)]) == 2


# --- each mechanism on rules written here (not the shipped ones, which can reach a text several ways) ------

MECHANISMS = Scorer(
    RuleSet.model_validate(
        {
            "version": 7,
            "fuzzy": {"min_length": 6, "short_min_length": 4, "max_distance": 1, "never": []},
            "rules": [
                {
                    "code": "self_harm.intent",
                    "level": "critical",
                    "phrases": {"en": ["suicide", "kill myself"]},
                },
                {
                    "code": "safety.gas",
                    "level": "critical",
                    "phrases": {"en": ["carbon-monoxide"], "es": ["fuga de gas"]},
                },
                {"code": "safety.leak", "level": "high", "phrases": {"en": ["gas leak"]}},
                {"code": "safety.flood", "level": "high", "phrases": {"en": ["flood", "pipe ... burst"]}},
                {"code": "needs.pests", "level": "high", "phrases": {"en": ["bedbugs"]}},
                {"code": "needs.heat", "level": "high", "phrases": {"en": ["no heat"]}},
                {"code": "self_harm.method", "level": "critical", "phrases": {"en": ["overdos*"]}},
            ],
            "idioms": [{"phrases": {"en": ["cooking gas"]}}],
            "crisis_reply": {"en": "Call or text 988."},
        }
    )
)


def spans(text: str) -> list[tuple[str, str, int, int]]:
    return [(r.code, r.text, r.start, r.end) for r in MECHANISMS.score(text).reasons]


def test_the_scorer_reports_its_rules_version() -> None:
    assert MECHANISMS.version == 7


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # `...` lets up to three words sit in between, not four
        ("pipe a b c burst", [("safety.flood", "pipe a b c burst", 0, 16)]),
        ("pipe a b c d burst", []),
        # words written apart that the rule writes together, to the end of the text
        ("we have bed bugs", [("needs.pests", "bed bugs", 8, 16)]),
        ("bed bugs again", [("needs.pests", "bed bugs", 0, 8)]),
        # one slipped word: a letter missing from the first word, two swapped, a short word in a phrase
        ("thinking about sucide", [("self_harm.intent", "sucide", 15, 21)]),
        ("i feel suicid", [("self_harm.intent", "suicid", 7, 13)]),  # the last letter missing
        ("i want to kill myslef now", [("self_harm.intent", "kill myslef", 10, 21)]),
        ("i want to kil myself", [("self_harm.intent", "kil myself", 10, 20)]),
        # never two in one match; a short word alone never slips ("blood" is one edit from "flood")
        ("i want to kil myslef", []),
        ("blood everywhere", []),
        # a rule word written with a hyphen is two words, both needed, the first matched whole
        ("carbon monoxide alarm", [("safety.gas", "carbon monoxide", 0, 15)]),
        ("monoxide", []),
        ("carbonated monoxide", []),
        # a word ending in * matches any word it starts
        ("I overdosed", [("self_harm.method", "overdosed", 2, 11)]),
        # each rule's first match is its reason
        ("flood here and flood there", [("safety.flood", "flood", 0, 5)]),
        # an idiom sharing one word with a reason drops it
        ("gas leak", [("safety.leak", "gas leak", 0, 8)]),
        ("cooking gas leak", []),
    ],
)
def test_mechanisms(text: str, found: list[tuple[str, str, int, int]]) -> None:
    assert spans(text) == found


@pytest.mark.parametrize(
    ("text", "level", "language"),
    [
        ("no heat and a fuga de gas", "critical", "es"),  # the highest level's reason decides, not the first
        ("fuga de gas and carbon monoxide", "critical", "es"),  # of two at that level, the first
        ("carbon monoxide and a fuga de gas", "critical", "en"),
        ("hello", "normal", "en"),
    ],
)
def test_the_deciding_reason_gives_the_language(text: str, level: str, language: str) -> None:
    score = MECHANISMS.score(text)
    assert (score.level, score.language) == (level, language)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("kitten", "sitting", 3),
        ("sucide", "suicide", 1),
        ("myslef", "myself", 1),  # a swap of neighbours is one edit
        ("ab", "ba", 1),
        ("abcd", "badc", 2),
        ("abcx", "bacx", 1),
        ("xabc", "xacb", 1),
        ("ca", "abc", 3),  # optimal string alignment: no edit after a swap
        ("flaw", "lawn", 2),
        ("", "abc", 3),
        ("abc", "", 3),
        ("a", "b", 1),
        ("house", "hose", 1),
        ("abcdef", "abcdef", 0),
    ],
)
def test_the_edit_distance_is_optimal_string_alignment(a: str, b: str, distance: int) -> None:
    for limit in (0, 1, 2, 3):
        assert _damerau_within(a, b, limit) is (distance <= limit), limit


# --- the words the rules see ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "emoji", "words"),
    [
        ("can't stop", {}, [("cant", 0, 5), ("stop", 6, 10)]),
        ("fire🔥", {"🔥": "fire"}, [("fire", 0, 4), ("fire", 4, 5)]),
        ("a ★ b", {}, [("a", 0, 1), ("★", 2, 3), ("b", 4, 5)]),
        ("Ⓐ", {}, [("Ⓐ", 0, 1)]),  # a symbol that folds to a letter is the symbol, once
        ("ki\u200dll", {}, [("kill", 0, 5)]),  # zero-width joiner
        ("ab\U0001f3fbcd", {}, [("abcd", 0, 5)]),  # lightest skin tone
        ("ab\U0001f3ffcd", {}, [("abcd", 0, 5)]),  # darkest skin tone
        ("\U0001f3fa", {}, [("\U0001f3fa", 0, 1)]),  # amphora, just before the skin tones: a symbol
        ("\U0001f400", {}, [("\U0001f400", 0, 1)]),  # rat, just after them: a symbol
    ],
)
def test_words_of(text: str, emoji: dict[str, str], words: list[tuple[str, int, int]]) -> None:
    assert [(w.folded, w.start, w.end) for w in words_of(text, emoji)] == words
