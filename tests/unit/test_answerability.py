"""The features that tell a detail swap from a paraphrase, and the fitted model's file."""

from __future__ import annotations

from typing import Any

import pytest

from bot.answerability import (
    FEATURES,
    Aligner,
    Model,
    counts_thing,
    default_model,
    has_answer_type,
    numbers,
    same_people,
)
from bot.question import Question, asked_thing
from bot.text import stem

SENTENCES = [
    "The walkout is the first at the 410-bed hospital since it opened on the eastern waterfront in 1968.",
    "Under an agreement reached on Friday, 45 union nurses are continuing to work in intensive care.",
    "The union wants a 14 percent pay rise spread over three years.",
    "Mayor Denise Falconer urged both sides to resume talks.",
    "The nearest alternative is in Marlow, 40 miles to the north.",
]


def features(question: str, passage: str, sentences: list[str] = SENTENCES, **extra: Any) -> dict[str, float]:
    asked = Question.parse(question)
    found, _ = Aligner(sentences).features(
        question_words=asked.content_words,
        question_text=question,
        passage=passage,
        score=0.6,
        dense=0.6,
        wants=asked.wants,
        asked_for=asked.asked_for,
        owner=asked.owner,
        **extra,
    )
    return found


def test_numbers_are_read_in_digits_and_words() -> None:
    assert {3.0, 14.0} <= numbers("a 14 percent rise over three years")
    assert 2_500_000.0 in numbers("about 2.5 million insect species")
    assert 1000.0 in numbers("1,000 people")


def test_a_changed_number_clashes_and_the_right_one_does_not() -> None:
    assert features("What pay rise does the union want over four years?", SENTENCES[2])["number_clash"] == 1
    assert features("What pay rise does the union want over three years?", SENTENCES[2])["number_clash"] == 0


def test_a_changed_day_clashes() -> None:
    assert features("How many nurses kept working under the agreement reached on Saturday?", SENTENCES[1])[
        "time_clash"
    ]
    assert not features("How many nurses kept working under the agreement reached on Friday?", SENTENCES[1])[
        "time_clash"
    ]


def test_an_opposite_direction_is_caught() -> None:
    assert features("How far south is the nearest alternative?", SENTENCES[4])["opposite"] == 1
    assert features("How far north is the nearest alternative?", SENTENCES[4])["opposite"] == 0
    assert features("When did the hospital on the western waterfront open?", SENTENCES[0])["opposite"] == 1


def test_coverage_and_missing_words() -> None:
    full = features("Who urged both sides to resume talks?", SENTENCES[3])
    partial = features("Who urged the surgeons to resume talks?", SENTENCES[3])
    assert full["coverage"] > partial["coverage"]
    assert partial["missing_count"] > full["missing_count"]


def test_a_wanted_number_missing_from_the_passage_is_a_feature() -> None:
    assert features("How many sides resumed talks?", SENTENCES[3])["type_missing"] == 1
    assert features("How many nurses work in intensive care?", SENTENCES[1])["type_missing"] == 0


def test_the_shipped_model_reads_and_round_trips() -> None:
    model = default_model()
    assert 0 < model.threshold < 1
    assert Model.from_json(model.to_json()) == model
    middle = {f: m for f, m in zip(FEATURES, model.means, strict=True)}
    assert 0 < model.probability(middle) < 1


@pytest.mark.parametrize(
    ("wants", "text", "holds"),
    [
        ("duration", "It lasted a century.", True),
        ("number", "Several wards were closed.", True),
        ("number", "Twelve nurses stayed.", True),
        ("number", "The nurses walked out.", False),
        ("number", "They replaced him with one of their own members.", False),
        ("number", "It was her first trip on the ferry.", False),
        ("number", "She ran the ferry aground twice.", True),
        ("number", "It follows the cutting for almost a third of its length.", True),
        ("measure", "The trams will run at up to 70 km/h.", True),
        ("measure", "Parts of the town sank by as much as six metres.", True),
        ("measure", "The tram will carry about 38,000 passengers a day.", False),
        ("measure", "The trip takes about six minutes.", False),
        ("count", "Terrorists will use Iraq for years to come.", False),
        ("count", "Twelve nurses stayed.", True),
        ("duration", "Terrorists will use Iraq for years to come.", True),
        ("duration", "Last week the militia deposed the mayor.", False),  # when, not how long
        ("number", "Terrorists will use Iraq for years to come.", False),  # "How much oil ...?"
        ("number", "The trash weighed four tons.", True),
        ("money", "The cash fare is £1.20 for foot passengers.", True),
        ("money", "The work will cost $48 million.", True),
        ("money", "A ticket costs 12 euros.", True),
        ("money", "Then we'll charge twenty pounds.", True),
        ("money", "The club is free for children.", True),
        ("money", "The cinema needs to sell about 600 tickets a week.", False),
        ("time", "It opened a week ago.", True),
        ("time", "It opened in spring.", True),
        ("time", "It opened in 1968.", True),
        ("time", "The nurses walked out.", False),
        ("time", "During the Oligocene, the forest spanned a narrow band.", True),
        ("time", "It thrived in the Tudor era.", True),
        ("time", "It was built in the 1960s.", True),
        ("time", "The forest spanned a narrow band.", False),
        (None, "The nurses walked out.", True),
    ],
)
def test_one_definition_of_a_passage_holding_a_number_a_sum_or_a_date(
    wants: str, text: str, holds: bool
) -> None:
    assert has_answer_type(wants, text) is holds
    asked = {
        "measure": "How fast is it?",
        "count": "How many nurses?",
        "duration": "How long did it last?",
        "number": "How much oil is there?",
        "money": "How much does it cost?",
    }.get(wants or "", "When was it?")
    found = features(asked, text)
    if wants:
        assert found["type_missing"] == (not holds), "the refusal feature reads the same definition"


@pytest.mark.parametrize(
    ("question", "thing", "owner"),
    [
        ("Which political party does Wojcik belong to?", ("political", "party"), None),
        ("What award did Tomas Reilly receive?", ("award",), None),
        ("Who is the hospital's chief negotiator?", ("chief", "negotiator"), "hospital"),
        ("What is the name of Reilly's partner?", ("partner",), "reilly"),
        ("What did Powell say?", (), None),
        ("What year did it open?", (), None),
        ("Who is Sistani?", (), None),
        ("Who is designing it?", (), None),  # someone doing something, not a role
        ("Who was the building manager?", ("building", "manager"), None),
        ("What finally made the subsidence slow down?", (), None),  # an adverb, not a thing
        ("How old are Tomas Reilly's sons?", ("sons",), "tomas reilly"),  # the sons' age, not his
    ],
)
def test_the_thing_a_question_asks_for(question: str, thing: tuple[str, ...], owner: str | None) -> None:
    assert asked_thing(question) == (thing, owner)


def test_a_passage_without_the_thing_asked_for_or_with_someone_elses_lacks_it() -> None:
    assert features("Which surgeon was at the hospital in 1968?", SENTENCES[0])["asked_missing"] == 1
    assert features("Which hospital was opened in 1968?", SENTENCES[0])["asked_missing"] == 0
    union = "Linda Varga is the union's chief negotiator."
    assert features("Who is the hospital's chief negotiator?", union)["asked_missing"] == 1
    assert features("Who is the union's chief negotiator?", union)["asked_missing"] == 0
    # a job is whatever the passage says the person is
    father = "She was the daughter of Samuel Feltham, a lock-keeper on the lower Wenn."
    assert features("What was Samuel Feltham's job?", father)["asked_missing"] == 0
    brother = "Her brother Walter drowned in 1919."
    assert features("What was Walter Feltham's job?", brother)["asked_missing"] == 1


@pytest.mark.parametrize(
    ("question", "clash"),
    [
        ("Who could still put the union's interests first?", 0),  # an order, not a number
        ("How did she first get involved with the union?", 0),
        ("Who ran the first union ballot?", 1),  # the first one: the passage's is the second
    ],
)
def test_first_is_a_number_only_when_it_counts_something(question: str, clash: int) -> None:
    passage = "The union, which held its second ballot in 1968, puts its interests ahead of the hospital's."
    assert features(question, passage)["number_clash"] == clash


@pytest.mark.parametrize(
    ("text", "counted", "holds"),
    [
        ("About 640 nurses walked off the job.", "nurses", True),
        ("They hauled out nearly four tons of trash.", "trash", True),
        ("It set a ratio of one nurse for every six patients.", "nurses", False),
        ("More than 300 volunteers hauled out the trash.", "trash", False),
    ],
)
def test_a_number_of_the_thing_counted(text: str, counted: str, holds: bool) -> None:
    assert counts_thing(text, stem(counted)) is holds


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("shia", "shiite", True),
        ("kurds", "kurdish", True),
        ("lebanon", "lebanese", True),
        ("iraq", "iraqi", True),
        ("iran", "iraq", False),
        ("julia", "julian", False),
    ],
)
def test_a_people_and_its_adjective(a: str, b: str, same: bool) -> None:
    assert same_people(a, b) is same


def test_a_name_in_another_form_is_not_missing() -> None:
    passage = "It recalls the 1983 Lebanese civil war."
    assert features("What does the author say about Lebanon?", passage)["name_missing"] == 0
    assert features("What does the author say about Syria?", passage)["name_missing"] == 1


def test_whose_words_are_asked_for_is_no_swapped_detail() -> None:
    question = "What did the union say about the offer?"
    passage = "She said the final offer from management arrived late."
    subject = Question.parse(question).subject
    assert subject == "the union"
    assert features(question, passage, subject=subject)["opposite"] == 0, "the speaker check decides"
    assert features(question, passage)["opposite"] == 1, "as a detail, union and management are a swap"


def test_the_same_number_of_another_thing_clashes() -> None:
    passage = "She collected 4,300 signatures in six weeks."
    assert features("How many signatures did she collect in six months?", passage)["number_clash"] == 1
    assert features("How many signatures did she collect in six weeks?", passage)["number_clash"] == 0
    assert features("How many signatures did she collect?", passage)["number_clash"] == 0


FERRY = "She ran the ferry aground twice on the Castlepoint mudbank."
SURVEYOR = "She later worked for six years as a surveyor in Aberdeen."
ENGINEER = "He had spent two decades as a sound engineer touring with bands."
PRIMATES = "The relationship between non-human primates and the forest has gained attention."
REYES = "Daniel Reyes, a retired bank manager who has been the treasurer since 2022, wants a fee."
SUMMERS = "The summer of 2023 was mild, with 11 warning days to 19 in 2022."
MINISTER = "The regional health minister, Rosalind Kemp, is expected to decide by the end of the year."
CALL_OUTS = "Ambulance call-outs for dehydration fell by 27 per cent."
ENGINE = "He hopes to replace the diesel engine with an electric one by 2028."
HALE = "Councillor Dan Hale, who voted against extending the trial, called it a waste."


@pytest.mark.parametrize(
    ("question", "passage", "swapped"),
    [
        # the same thing under another name
        ("Who ran the ferry aground on the Dunmore mudbank?", FERRY, True),
        ("Who ran the ferry aground on the Castlepoint mudbank?", FERRY, False),
        # a pronoun before the word may mean the very person asked about
        ("What honour did Halvorsen receive?", "She received a bravery award from the society.", False),
        # another role
        ("Where did she work as a teacher for six years?", SURVEYOR, True),
        ("Where did she work as a surveyor?", SURVEYOR, False),
        ("How long did he work as an engineer?", ENGINEER, False),
        ("How long did he work as a roadie?", "He toured with bands.", False),
        ("How many years did Reyes work as an accountant?", REYES, True),
        ("How many years did Reyes work as a bank manager?", REYES, False),
        # "non-" on one side only
        ("What relationship between humans has gained attention?", PRIMATES, True),
        ("Which relationship involving non-human primates gained attention?", PRIMATES, False),
        (
            "What happens to forested areas?",
            "Deforestation turns forested areas into non-forested ones.",
            False,
        ),
        # the passage negates the question's word; a yes/no question may be answered "no" by it
        ("Why did Councillor Hale vote to extend the trial?", HALE, True),
        ("Why did Councillor Hale vote against extending the trial?", HALE, False),
        ("Did Councillor Hale vote to extend the trial?", HALE, False),
        ("How did Councillor Hale react to the plan to extend the trial?", HALE, False),
        ("What does Councillor Hale think about extending the trial?", HALE, False),  # a topic
        # against a person is no denial
        ("Why did Edwin Ashby lose his case?", "The judge ruled against Ashby because of the wells.", False),
        # a stopword that flips the detail
        (
            "There are very few what left to be discovered?",
            "Many more species remain to be discovered.",
            True,
        ),
        (
            "There are many more what left to be discovered?",
            "Many more species remain to be discovered.",
            False,
        ),
        # the same words either side of "with", the other way round
        ("When will he replace the electric engine with a diesel one?", ENGINE, True),
        ("When will he replace the diesel engine with an electric one?", ENGINE, False),
        ("Why does he want an electric engine?", ENGINE, False),
        # a change the other way, in another form
        ("Why did call-outs for dehydration rise by 27 per cent?", CALL_OUTS, True),
        ("Why did call-outs for dehydration drop by 27 per cent?", CALL_OUTS, False),
        ("Why did call-outs rise after the fall in prices?", "Call-outs rose after prices fell.", False),
        ("Why did they remove the motors?", "In 1954 the authority added motors to the gates.", True),
        ("When did her younger brother drown?", "Her elder brother, Walter, drowned in 1919.", True),
        # the role given to someone else
        ("When will the health minister, Michael Dunne, decide?", MINISTER, True),
        ("When will the health minister, Rosalind Kemp, decide?", MINISTER, False),
        ("When will Michael Dunne, the funder, decide?", MINISTER, False),
        # the same thing dated another year
        ("Why was the summer of 2022 mild?", SUMMERS, True),
        ("Why was the summer of 2023 mild?", SUMMERS, False),
    ],
)
def test_a_swapped_detail_is_caught(question: str, passage: str, swapped: bool) -> None:
    assert features(question, passage)["opposite"] == float(swapped)


def test_a_kin_word_swapped_for_its_partner_is_a_swap() -> None:
    passage = "Aisha Brennan, whose two sons attend the school, says the mornings are calmer."
    assert features("How old are Aisha Brennan's daughters?", passage)["opposite"] == 1
    assert features("How many sons does Aisha Brennan have?", passage)["opposite"] == 0


def test_a_role_given_to_another_named_person_is_told_apart() -> None:
    passage = '"I could hear the children," said Tom Reyes, the head teacher.'
    sentences = [*SENTENCES, "Mayor Denise Falconer met Tom Reyes."]
    asked = Question.parse("How long has Denise Falconer been the head teacher?")
    found, _ = Aligner(sentences).features(
        question_words=asked.content_words, question_text=asked.text, passage=passage, score=0.6, dense=0.6
    )
    assert found["other_named"] == 1
    asked = Question.parse("How long has Tom Reyes been the head teacher?")
    found, _ = Aligner(sentences).features(
        question_words=asked.content_words, question_text=asked.text, passage=passage, score=0.6, dense=0.6
    )
    assert found["other_named"] == 0


@pytest.mark.parametrize(
    ("question", "referent", "other"),
    [
        ("What award did Tomas Reilly receive?", "Ingrid Halvorsen", 1),  # "She" is Ingrid
        ("What award did Tomas Reilly receive?", "", 0),  # nobody else is named
        ("What award did Ingrid Halvorsen's deckhand receive?", "Ingrid Halvorsen", 0),
    ],
)
def test_the_person_an_opening_pronoun_means_is_another_named_person(
    question: str, referent: str, other: int
) -> None:
    sentences = [*SENTENCES, "Her deckhand is Tomas Reilly.", "Ingrid Halvorsen runs the ferry."]
    passage = "She received a bravery award the following year."
    found = features(question, passage, sentences, referent=referent)
    assert found["other_named"] == other


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("Greaves, now 83, was the projectionist from 1962.", True),
        ("Halvorsen, who is 64, has been the skipper for 31 years.", True),
        ("A 12-year-old boy was hurt.", True),
        ("It is a thousand year-old hornet's nest.", True),
        ("The hall was built in 1931.", True),
        ("Reilly has two young sons.", False),
        ("She has run the ferry for 31 years.", False),
    ],
)
def test_an_age_is_read_from_its_usual_forms(text: str, holds: bool) -> None:
    assert has_answer_type("age", text) is holds
    assert features("How old is it?", text)["type_missing"] == (not holds)
