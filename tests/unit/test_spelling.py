"""Typo tolerance and the English check, against the article's own words."""

from __future__ import annotations

import pytest

from bot.language import is_english
from bot.spelling import Speller

ARTICLE_WORDS = "Powell Rumsfeld Lebanon Sistani Shiite insurgency withdrawal hornet nest power".split()


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(ARTICLE_WORDS)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("wat did powel say abt lebanon", "Powell"),
        ("Wht did rumsfled say?", "Rumsfeld"),
        ("What did Rumsfled say?", "Rumsfeld"),
        ("what about the insurgancy", "insurgency"),
        ("Summarise the artcle", "article"),
        ("What was Rumsfled's view?", "Rumsfeld's"),
    ],
)
def test_typos_become_the_article_s_words_or_common_english(speller: Speller, typed: str, meant: str) -> None:
    assert meant.lower() in speller.correct(typed).lower().split()[-3:] or meant in speller.correct(typed)


def test_chat_shorthand_is_read_as_meant(speller: Speller) -> None:
    assert speller.correct("wat did powel say abt lebanon") == "what did Powell say about lebanon"
    assert speller.correct("Whos Sistani") == "Who's Sistani"
    assert speller.correct("wat did the ceo say") == "what did the chief executive say"
    assert speller.correct("wat advice was in the txt msg") == "what advice was in the text message"
    assert speller.correct("y did powel go") == "why did Powell go"
    assert Speller(["kilometers", "pipe"]).correct("how many km of pipe") == "how many kilometers of pipe"
    assert Speller(["kilometres", "pipe"]).correct("how many km of pipe") == "how many kilometres of pipe"
    assert Speller(["km", "pipe"]).correct("how many km of pipe") == "how many km of pipe"
    assert speller.correct("Is y larger than x?") == "Is y larger than x?"


@pytest.mark.parametrize(
    "question",
    [
        "What did Iran do?",
        "What share of the broken things get mended?",  # English, if rarer than "ended"
        "How does green slime grow?",
        "Who is Sistani and why does he matter?",
        "What did Powell say about Lebanon?",
        "Why didn't Powell go? It isn't clear, wouldn't you say?",
        "Why didn't Powell's plan work?",
        "Who could still put U.S. and Iraqi interests first?",
        "Did the U.N. or the u.s. act, e.g. in Lebanon?",
    ],
)
def test_correct_words_are_left_alone(speller: Speller, question: str) -> None:
    assert speller.correct(question) == question


def test_a_name_the_article_lacks_is_not_bent_into_one_it_has(speller: Speller) -> None:
    # "Obama" is neither a typo of an article word nor unknown English: it must stay, so the
    # bot can say the article never mentions it.
    assert "Obama" in speller.correct("What did Obama say?")


@pytest.mark.parametrize(
    "question",
    [
        "¿Qué dijo Powell sobre el Líbano?",
        "Que dit Powell sur le Liban?",
        "Was sagte Powell über den Libanon?",
        "Cosa ha detto Powell sul Libano?",
    ],
)
def test_questions_in_other_languages_are_recognised(question: str) -> None:
    assert not is_english(question, set(w.lower() for w in ARTICLE_WORDS))


@pytest.mark.parametrize(
    "question",
    ["wat did powel say abt lebanon", "What did de Gaulle say?", "Why?", "What is the article about?"],
)
def test_english_with_typos_and_names_is_english(question: str) -> None:
    assert is_english(question, set(w.lower() for w in ARTICLE_WORDS))


def test_two_swapped_letters_that_make_another_word_become_the_articles_word() -> None:
    speller = Speller("The trial ran for months and the trial worked".split())
    assert speller.correct("how much did traffic fall during the trail") == (
        "how much did traffic fall during the trial"
    )


def test_a_swapped_word_the_article_uses_once_or_never_is_left_as_typed() -> None:
    assert Speller("The trial ran".split()).correct("the trail") == "the trail"
    assert Speller("It came from there and from here".split()).correct("what form") == "what form"


def test_an_english_word_after_a_first_name_is_the_article_s_surname_misspelt() -> None:
    # "graves" and "march" are English, so only the name they follow tells they are typos.
    speller = Speller("Walter Greaves said Helen Marsh went home".split(), ["Walter Greaves", "Helen Marsh"])
    assert speller.correct("how old is walter graves") == "how old is walter Greaves"
    assert speller.correct("What did Helen march say?") == "What did Helen Marsh say?"
    # Another word after the first name, or the word alone, is left as typed.
    assert speller.correct("Did Walter go to the march?") == "Did Walter go to the march?"
    assert speller.correct("Who dug the graves?") == "Who dug the graves?"


def test_two_letters_swapped_give_the_common_word_before_a_rarer_one_of_the_article() -> None:
    speller = Speller("The union voted in May".split())
    assert speller.correct("how mnay nurses voted") == "how many nurses voted"  # not "May"
