"""Reading a question once: the follow-up kinds that ask for more, or for one item of a list."""

from __future__ import annotations

import pytest

from bot.lists import list_item
from bot.question import Question, asked_item, asks_more, quoted_subject
from bot.text import content_stems, is_plural
from index.article import parse_article
from index.chunks import chunk_article


@pytest.mark.parametrize(
    "question",
    [
        "What else?",
        "Anything else?",
        "What else did he say?",
        "Tell me more",
        "Any other interesting aspects?",
    ],
)
def test_asking_for_more_is_recognised(question: str) -> None:
    assert asks_more(question) and Question.parse(question).more


@pytest.mark.parametrize(
    "question",
    ["What else is that government dependent on?", "What other countries did he visit?", "What did she say?"],
)
def test_a_question_with_its_own_topic_is_not_asking_for_more(question: str) -> None:
    assert not asks_more(question)


@pytest.mark.parametrize(
    ("question", "n"),
    [("And the second one?", 2), ("What about the third?", 3), ("What is the last objection?", -1)],
)
def test_a_list_item_follow_up_is_recognised(question: str, n: int) -> None:
    assert asked_item(question) == n


@pytest.mark.parametrize(
    "question",
    ["Who came second in the race?", "What is the first thing the council should do about the bridge?"],
)
def test_an_ordinal_inside_a_question_of_its_own_is_not_a_list_item(question: str) -> None:
    assert asked_item(question) is None


def test_items_are_found_by_how_they_open_after_the_list_starts() -> None:
    chunks = chunk_article(
        parse_article(
            "A second bridge is planned. The plan has three parts. First, close the road. "
            "Secondly, add cameras. Finally, pay the wardens."
        )
    )
    start = next(i for i, c in enumerate(chunks) if "three parts" in c.text)
    assert list_item(chunks, start, 2).text == "Secondly, add cameras."  # not the bridge before the list
    assert list_item(chunks, start, -1).text == "Finally, pay the wardens."
    assert list_item(chunks, start, 4) is None


def test_words_fold_accents_so_a_name_typed_without_them_matches() -> None:
    from bot.text import content_stems, words

    assert words("Councillor Tomasz Wójcik’s café") == ["councillor", "tomasz", "wojcik", "cafe"]
    assert set(content_stems("What did Wojcik say?")) <= set(content_stems("Tomasz Wójcik said no."))


@pytest.mark.parametrize(
    ("question", "who"),
    [
        ("How did Priya Chandran react to the plan?", "Priya Chandran"),
        ("How does Garvey feel about the noise?", "Garvey"),
        ("What was Reyes's view on the fee?", "Reyes"),
    ],
)
def test_reactions_feelings_and_views_ask_for_someone_s_words(question: str, who: str) -> None:
    asked = Question.parse(question)
    assert asked.subject == who and asked.asks_words
    assert "react" not in asked.content_words and "feel" not in asked.content_words  # not topics


def test_the_measure_after_how_is_not_a_topic() -> None:
    assert content_stems("How old is Agnes Whitlock?") == content_stems("Agnes Whitlock?")
    assert "old" in content_stems("What is kept in the old fire station?")


@pytest.mark.parametrize(
    ("phrase", "plural"),
    [
        ("the researchers", True),
        ("Nora and Simon", True),
        ("the boss", False),
        ("the bus", False),
        ("the analysis", False),
        ("the mayor", False),
    ],
)
def test_a_plural_is_read_from_its_last_word_or_an_and(phrase: str, plural: bool) -> None:
    assert is_plural(phrase) is plural


@pytest.mark.parametrize(
    ("question", "who"),
    [
        (
            "According to the council's lawyer, what does the ruling mean for the weather excuse?",
            "the council's lawyer",
        ),
        ("According to Powell, what went wrong?", "Powell"),
        ("According to the article, why did it fail?", None),  # the article's own view: nobody's words
    ],
)
def test_according_to_someone_asks_for_their_view(question: str, who: str | None) -> None:
    assert quoted_subject(question) == who


@pytest.mark.parametrize(
    ("noun", "verb"),
    [("argument", "arguing"), ("payment", "pay"), ("agreements", "agreed"), ("settlement", "settle")],
)
def test_a_noun_in_ment_shares_its_verbs_stem(noun: str, verb: str) -> None:
    assert content_stems(noun) == content_stems(verb)


@pytest.mark.parametrize(("noun", "other"), [("comment", "come"), ("supplement", "supple"), ("moment", "mo")])
def test_ment_is_taken_off_only_a_verb(noun: str, other: str) -> None:
    assert content_stems(noun) != content_stems(other)


@pytest.mark.parametrize("author", ["author", "reviewer", "columnist"])
def test_the_author_by_any_name_is_not_what_a_question_is_about(author: str) -> None:
    asked = Question.parse(f"Why does the {author} think the ending fails?")
    assert asked.content_words == ("ending", "fails")
