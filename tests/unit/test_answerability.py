"""The features that tell a detail swap from a paraphrase, and the fitted model's file."""

from __future__ import annotations

from bot.answerability import FEATURES, Aligner, Model, default_model, numbers
from bot.question import Question

SENTENCES = [
    "The walkout is the first at the 410-bed hospital since it opened on the eastern waterfront in 1968.",
    "Under an agreement reached on Friday, 45 union nurses are continuing to work in intensive care.",
    "The union wants a 14 percent pay rise spread over three years.",
    "Mayor Denise Falconer urged both sides to resume talks.",
    "The nearest alternative is in Marlow, 40 miles to the north.",
]


def features(question: str, passage: str) -> dict[str, float]:
    asked = Question.parse(question)
    found, _ = Aligner(SENTENCES).features(
        question_words=asked.content_words,
        question_text=question,
        passage=passage,
        score=0.6,
        dense=0.6,
        wants=asked.wants,
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
