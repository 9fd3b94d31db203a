"""Follow-ups: a question that leans on the conversation becomes one that stands alone for retrieval."""

from __future__ import annotations

import pytest

from bot.followup import needs_context, standalone_query

PEOPLE = [
    "Mayor Lena Ortiz",
    "Councillor Abel Finch",
    "Dr. J. R. Haldane",
    "Secretary Rumsfeld",
    "Colin Powell",
]


def turns(*pairs: str) -> list[dict[str, str]]:
    """Alternating user/assistant messages from question, answer, question, answer, ..."""
    roles = ["user", "assistant"]
    return [{"role": roles[i % 2], "content": text} for i, text in enumerate(pairs)]


@pytest.mark.parametrize(
    ("question", "history", "person"),
    [
        ("What did he say?", turns("Who is Rumsfeld?", "Rumsfeld is the defence secretary."), "Rumsfeld"),
        ("What did he tell the press?", turns("Who is Rumsfeld?", "..."), "Rumsfeld"),
        ("What did she call the vote?", turns("Who is Mayor Ortiz?", "..."), "Ortiz"),
        ("Why did he vote against it?", turns("What did Councillor Finch do?", "..."), "Finch"),
        ("What did he recall?", turns("Who is Powell?", "..."), "Powell"),
    ],
)
def test_a_person_pronoun_becomes_the_person_asked_about(
    question: str, history: list[dict[str, str]], person: str
) -> None:
    query = standalone_query(question, history, people=PEOPLE)
    assert person in query
    assert " he " not in f" {query} " and " she " not in f" {query} "


def test_the_most_recent_person_wins() -> None:
    history = turns("Who is Rumsfeld?", "...", "And Powell?", "...")
    assert "Powell" in standalone_query("What did he say?", history, people=PEOPLE)


def test_a_person_named_only_in_the_last_answer_is_found() -> None:
    history = turns("Who voted against the bridge?", "Councillor Abel Finch voted against the plan.")
    query = standalone_query("What did he warn?", history, people=PEOPLE)
    assert "Finch" in query


def test_after_a_who_question_the_pronoun_is_the_person_the_answer_named() -> None:
    history = turns("Who replaced Councillor Finch?", "Mayor Lena Ortiz replaced Finch in May.")
    query = standalone_query("What did she say?", history, people=PEOPLE)
    assert "Ortiz" in query and "Finch" not in query


def test_a_possessive_pronoun_becomes_a_possessive() -> None:
    query = standalone_query("What is his estimate?", turns("Who is Haldane?", "..."), people=PEOPLE)
    assert "Haldane's estimate" in query


def test_a_pronoun_with_nobody_to_point_at_keeps_the_earlier_question() -> None:
    history = turns("What did the council decide?", "It voted to rebuild the bridge.")
    query = standalone_query("What did he say about that?", history, people=PEOPLE)
    assert "What did the council decide?" in query


@pytest.mark.parametrize(
    "question", ["Why?", "How so?", "And the ferry?", "What about the cost?", "Why is that?"]
)
def test_an_elliptical_follow_up_carries_the_previous_question(question: str) -> None:
    history = turns("Why was the bridge closed to lorries?", "A flood cracked its piers.")
    query = standalone_query(question, history, people=PEOPLE)
    assert question in query
    assert "Why was the bridge closed to lorries?" in query


@pytest.mark.parametrize(
    "question",
    [
        "What did Powell say?",
        "How much will the new bridge cost?",
        "Who wrote the engineering report on the piers?",
        "When will the Old Harbour Bridge reopen to traffic?",
    ],
)
def test_a_question_that_stands_alone_is_left_alone(question: str) -> None:
    history = turns("Who is Rumsfeld?", "He was the defence secretary.")
    assert not needs_context(question)
    assert standalone_query(question, history, people=PEOPLE) == question


@pytest.mark.parametrize("question", ["What did he say?", "Why?", "And the ferry?"])
def test_the_first_question_is_never_rewritten(question: str) -> None:
    assert standalone_query(question, [], people=PEOPLE) == question


def test_only_user_turns_count_as_earlier_questions() -> None:
    history = [{"role": "assistant", "content": "Welcome! Ask me about the article."}]
    assert standalone_query("Why?", history, people=PEOPLE) == "Why?"


def test_the_rewrite_names_only_people_of_the_article() -> None:
    # "Riverton" is capitalised but is not one of the article's people.
    history = turns("What did Riverton decide?", "...")
    query = standalone_query("What did he say?", history, people=PEOPLE)
    assert not query.startswith("What did Riverton say")


def test_a_third_turn_finds_the_person_the_second_one_meant() -> None:
    people = ["Colin Powell", "Donald Rumsfeld"]
    history = [
        {"role": "user", "content": "What did Powell say?"},
        {"role": "assistant", "content": "Colin Powell recalled opposing the intervention."},
        {"role": "user", "content": "What did he oppose?"},
        # The last answer names someone else: the question's subject still wins.
        {"role": "assistant", "content": "Rumsfeld said insurgencies last years."},
    ]
    query = standalone_query("Why did he oppose it?", history, people=people)
    assert query.startswith("Why did Powell oppose it?")
    assert "(What did Powell oppose?)" in query, "the earlier follow-up is carried as it was meant"


def test_a_pronoun_inside_the_question_points_to_its_own_name() -> None:
    history = [{"role": "user", "content": "What did Powell say?"}, {"role": "assistant", "content": "..."}]
    question = "Who is Sistani and why does he matter?"
    assert standalone_query(question, history, people=["Colin Powell", "Ayatollah Sistani"]) == question
