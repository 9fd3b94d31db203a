"""Follow-ups: a question that leans on the conversation becomes one that stands alone for retrieval."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.followup import article_people, narrated_subject, needs_context, person_genders, standalone_query
from index.article import parse_article
from index.chunks import Chunk, chunk_article

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


def test_after_asking_about_someone_s_family_the_pronoun_is_the_relative_the_answer_named() -> None:
    history = turns(
        "Did Ortiz have any children?", "Her only child, a daughter named Ruth Ortiz, was born in 1943."
    )
    query = standalone_query("What did she do when she grew up?", history, people=[*PEOPLE, "Ruth Ortiz"])
    assert "Ruth Ortiz" in query


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
        "How many people use the ferry these days?",  # an idiom, not a reference back
        "How many lorries have crossed so far?",
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
    assert standalone_query("Why did he oppose it?", history, people=people).startswith(
        "Why did Powell oppose it?"
    )
    query = standalone_query("Why?", history, people=people)
    assert "(What did Powell oppose?)" in query, "the earlier follow-up is carried as it was meant"


def test_a_pronoun_inside_the_question_points_to_its_own_name() -> None:
    history = [{"role": "user", "content": "What did Powell say?"}, {"role": "assistant", "content": "..."}]
    question = "Who is Sistani and why does he matter?"
    assert standalone_query(question, history, people=["Colin Powell", "Ayatollah Sistani"]) == question


def chunks(*sentences: str, paragraph: int = 1) -> list[Chunk]:
    """One fake chunk per sentence, all in one paragraph."""
    out, start = [], 0
    for i, text in enumerate(sentences):
        out.append(
            Chunk(id=f"s{i}", text=text, start=start, end=start + len(text), paragraph=paragraph, sentence=i)
        )
        start += len(text) + 1
    return out


def test_a_persons_pronoun_comes_from_the_article_text() -> None:
    genders = person_genders(
        chunks(
            "Mara Quill opened the shop in 1990, and she still runs it.",
            "Tobias Venn joined later.",
            "He keeps the books.",
            # A pronoun inside a quotation is the speaker's, not the subject's.
            'Odile Brask said "he was wrong about the books" last year.',
        )
    )
    assert genders["Mara Quill"] == "she"
    assert genders["Tobias Venn"] == "he"
    assert "Odile Brask" not in genders


def test_she_skips_the_last_subject_when_the_article_calls_him_he() -> None:
    history = turns(
        "What did Tobias Venn do?", "Tobias Venn joined Mara Quill at the shop and keeps the books."
    )
    genders = {"Tobias Venn": "he", "Mara Quill": "she"}
    people = ["Tobias Venn", "Mara Quill"]
    query = standalone_query("What did she say about him?", history, people=people, genders=genders)
    assert query.startswith("What did Mara Quill say")
    # Without the article's pronouns the subject of the last question still wins.
    assert standalone_query("What did he say?", history, people=people).startswith("What did Tobias Venn")


def test_a_shared_surname_does_not_pass_on_a_pronoun() -> None:
    people = ["Arne Dahl", "Ingrid Dahl"]
    history = turns("Who was Arne Dahl?", "Her father, Arne Dahl, ran the ferry.")
    query = standalone_query("When did he retire?", history, people=people, genders={"Dahl": "she"})
    assert query.startswith("When did Arne Dahl retire?")


def test_a_person_named_only_in_an_earlier_answer_is_found() -> None:
    people = ["George Vance", "Regent"]  # the article's people may hold a thing's name too
    history = turns(
        "When did the Regent close?",
        "The Regent closed in 2019, when George Vance could no longer keep it running.",
        "Who owned it then?",
        "He had owned the building since 1974.",
    )
    query = standalone_query("What did he say about the multiplex?", history, people=people)
    assert query.startswith("What did George Vance say")


def test_a_name_after_who_is_counts_as_a_person_the_article_never_quoted() -> None:
    query = standalone_query(
        "How long has he been delivering?", turns("Who is Gareth?", "..."), people=PEOPLE
    )
    assert query.startswith("How long has Gareth been delivering?")


def test_an_auxiliary_opening_the_question_is_not_part_of_the_name() -> None:
    history = turns("Was Simon keen on the plan at first?", "No.")
    query = standalone_query("How did his sister change his mind?", history, people=["Simon Vance"])
    assert query.startswith("How did Simon's sister")


def test_her_before_a_noun_is_a_possessive() -> None:
    history = turns("What does Nora Vance do on Fridays?", "She opens the doors.")
    query = standalone_query("And her brother?", history, people=["Nora Vance"])
    assert query.startswith("And Nora Vance's brother?")
    query = standalone_query("What did he tell her?", turns("Who is Councillor Finch?", "..."), people=PEOPLE)
    assert "tell her" in query


@pytest.mark.parametrize(
    ("question", "last", "expected"),
    [
        ("What do they do now?", "Who are the Pryce twins?", "What do the Pryce twins do now?"),
        (
            "What did it show that night?",
            "When did the Regent reopen?",
            "What did the Regent show that night?",
        ),
    ],
)
def test_they_and_it_become_what_the_last_question_asked_about(
    question: str, last: str, expected: str
) -> None:
    assert standalone_query(question, turns(last, "..."), people=PEOPLE).startswith(expected)


def test_it_never_becomes_a_person() -> None:
    history = turns("What did Mayor Ortiz find?", "An old ceiling.")
    query = standalone_query("Why was it hidden?", history, people=PEOPLE)
    assert "Ortiz" not in query.split("(")[0]


def test_a_resolved_follow_up_carries_nothing_it_already_has() -> None:
    history = turns("Who is Councillor Abel Finch?", "He chairs the transport committee.")
    query = standalone_query("What did he send his daughter while she was away?", history, people=PEOPLE)
    assert query == "What did Councillor Abel Finch send his daughter while she was away?"


def test_a_follow_up_with_its_own_words_carries_only_the_words_it_lacks() -> None:
    history = turns("What went wrong with the old harbour bridge?", "A flood cracked its piers.")
    query = standalone_query("How long did it take?", history, people=PEOPLE)
    assert query.startswith("How long did it take?")
    assert "What went wrong" not in query
    assert "harbour" in query and "bridge" in query


def test_the_words_carried_are_the_users_not_a_name_put_in_for_a_pronoun() -> None:
    history = turns("Who is Mayor Ortiz?", "...", "What did she call the vote?", "...")
    query = standalone_query("Who opposes it?", history, people=PEOPLE)
    assert "vote" in query and "Ortiz" not in query


def test_a_follow_up_with_its_person_and_its_own_topic_carries_nothing() -> None:
    history = turns("Who chairs the transport committee?", "Lena Ortiz chairs it.")
    query = standalone_query("Why did she say the grant was worth it?", history, people=PEOPLE)
    assert query == "Why did Lena Ortiz say the grant was worth it?"
    # Without words of its own it still leans on the last question.
    assert "transport committee" in standalone_query("What did she say about it?", history, people=PEOPLE)


def test_a_pronoun_nobody_in_the_conversation_fits_is_the_person_the_article_is_about() -> None:
    history = turns("What happened on January 11, 2007?", "A storm drove two kayakers onto the rocks.")
    genders = {"Ingrid Dahl": "she", "Tomas Reilly": "he"}
    people = ["Ingrid Dahl", "Tomas Reilly"]
    ask = "How did she get close enough to help?"
    query = standalone_query(ask, history, people=people, genders=genders, subject="Ingrid Dahl")
    assert query.startswith("How did Ingrid Dahl get close")
    # Not for the other pronoun, nor without a subject: "he" keeps the earlier question.
    ask = "How did he get close enough to help?"
    for subject in ("Ingrid Dahl", None):
        query = standalone_query(ask, history, people=people, genders=genders, subject=subject)
        assert query.startswith("How did he get close") and "january" in query.lower()


def test_the_pronoun_that_dominates_the_narration_is_the_most_named_persons() -> None:
    named = [f"Ingrid Dahl runs the ferry {i}." for i in range(3)] + ["Arne Dahl ran it, and he liked it."]
    people = [(), (), (), (), ("Ingrid Dahl",), ("Ingrid Dahl",), ("Ingrid Dahl",), ("Arne Dahl",)]

    def article(narration: str) -> list[Chunk]:
        texts = [narration.format(i) for i in range(4)] + named
        return [replace(c, people=p) for c, p in zip(chunks(*texts), people, strict=True)]

    assert narrated_subject(article("Her deck is wet and she checks it {}.")) == ("Ingrid Dahl", "she")
    assert person_genders(article("Her deck is wet and she checks it {}."))["Ingrid Dahl"] == "she"
    # Nothing dominates when he and she are used alike.
    assert narrated_subject(article("Her deck is wet and he checks it {}.")) is None
    assert "Ingrid Dahl" not in person_genders(article("Her deck is wet and he checks it {}."))


def test_article_people_puts_the_most_named_first() -> None:
    out = [
        replace(c, people=p)
        for c, p in zip(
            chunks("a.", "b.", "c."), [("Ann Lee",), ("Bo Ek", "Ann Lee"), ("Bo Ek",)][:3], strict=True
        )
    ]
    out.append(replace(chunks("d.")[0], people=("Ann Lee",)))
    assert article_people(out) == ["Ann Lee", "Bo Ek"]


def test_it_becomes_what_the_last_turn_asked_to_be_told_about() -> None:
    history = turns("Tell me about the second screen.", "Morrow is drawing up the plans.")
    assert (
        standalone_query("Who is designing it?", history, people=PEOPLE)
        == "Who is designing the second screen?"
    )


def test_a_bare_verb_of_stance_leans_on_the_last_question() -> None:
    history = turns("What does Councillor Finch say about the bridge?", "He calls it a folly.")
    assert needs_context("Does Mayor Ortiz agree?")
    query = standalone_query("Does Mayor Ortiz agree?", history, people=PEOPLE)
    assert query == "Does Mayor Ortiz agree? (What does Councillor Finch say about the bridge?)"
    assert not needs_context("Does Mayor Ortiz agree with the bridge tolls?")


@pytest.mark.parametrize("question", ["By when?", "How much?"])
def test_a_question_with_no_words_of_its_own_leans_on_the_last_one(question: str) -> None:
    assert needs_context(question)
    query = standalone_query(question, turns("What did the council promise?", "..."), people=PEOPLE)
    assert query == f"{question} (What did the council promise?)"


def test_a_bare_third_turn_carries_what_the_second_leaned_on() -> None:
    history = turns("What are the author's recommendations?", "...", "And the second one?", "...")
    query = standalone_query("By when?", history, people=PEOPLE)
    assert query == "By when? (And the second one? What are the author's recommendations?)"


def test_what_happened_next_carries_the_last_question() -> None:
    history = [
        {"role": "user", "content": "When was the act passed?"},
        {"role": "assistant", "content": "The law changed in 1893. [1]"},
    ]
    assert (
        standalone_query("What happened next?", history) == "What happened next? (When was the act passed?)"
    )


def test_genders_skip_a_name_after_a_pronoun_and_plain_words_opening_a_sentence() -> None:
    text = (
        "Graham Pettit coaches Kestrel. Pettit was happy. He smiled.\n\n"
        "Sophie Marchetti scored. She lifted the trophy alongside Pettit as the crowd sang her name. "
        "Television replays showed her arm. Fouled 25 yards out, she scored again."
    )
    genders = person_genders(chunk_article(parse_article(text)))
    assert genders["Pettit"] == "he"  # not a tie with the "her" of Marchetti's sentence
    assert "Television" not in genders and "Fouled" not in genders
