"""Whole-article questions answered from the article map, on an op-ed, a news report, an
encyclopedia entry and the tiny test article (fake embeddings: cues decide, not meaning)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.intent import is_author_question, is_gist_question, read_whole_question
from bot.whole_article import WholeAnswer, WholeArticle
from index.article import parse_article
from index.article_map import build_map
from index.chunks import Chunk, chunk_article

DATA = Path(__file__).resolve().parents[1] / "data"
KINDS = {
    "oped": "kinds_oped.md",
    "news": "kinds_news.txt",
    "entry": "kinds_entry.txt",
    "tiny": "tiny_article.md",
}
QUESTIONS = [
    "What is the author's main argument?",
    "What does the author recommend?",
    "Summarize in 3 bullet points",
    "What is this article about?",
    "What are the counterarguments?",
    "What comparisons does the author draw?",
    "What evidence does the author give?",
    "Who wrote this?",
]


@pytest.fixture(scope="module")
def whole(fake_embeddings: Any) -> dict[str, WholeArticle]:
    made = {}
    for kind, name in KINDS.items():
        article = parse_article((DATA / name).read_text(encoding="utf-8"), source=name)
        chunks = chunk_article(article)
        embedded = fake_embeddings.embed_documents([c.text for c in chunks])
        vectors = dict(zip([c.id for c in chunks], embedded, strict=True))
        made[kind] = WholeArticle(article, chunks, build_map(article, chunks, vectors))
    return made


def ask(whole: WholeArticle, question: str) -> WholeAnswer:
    answer = whole.answer(question)
    assert answer is not None, question
    assert answer.chunks
    return answer


def cited(answer: WholeAnswer) -> list[str]:
    return [c.text for c in answer.chunks]


@pytest.mark.parametrize("kind", KINDS)
def test_a_title_byline_or_heading_is_never_cited(whole: dict[str, WholeArticle], kind: str) -> None:
    hidden = whole[kind].map.not_answers
    for question in QUESTIONS:
        answer = whole[kind].answer(question)
        if answer is None:
            continue
        ids = {c.id for c in answer.chunks}
        allowed = set(whole[kind].map.byline) if answer.kind == "author" else set()
        assert not ids & (hidden - allowed), (kind, question, cited(answer))


def test_the_main_argument_is_the_thesis_not_the_opening_lines(whole: dict[str, WholeArticle]) -> None:
    answer = ask(whole["oped"], "What is the author's main argument?")
    assert answer.kind == "thesis" and answer.lead == "The author's main argument:"
    assert any("The most important fact" in t for t in cited(answer))
    news = ask(whole["news"], "What is the main point of the article?")
    assert cited(news)[0].startswith("Harbor Town opened") and news.lead == "The article's main point:"


def test_recommendations_and_what_the_author_wants(whole: dict[str, WholeArticle]) -> None:
    answer = ask(whole["oped"], "What does the author recommend?")
    assert answer.kind == "recommendation"
    assert "The council should restore the library budget this year." in cited(answer)
    assert not any("Elm Street" in t for t in cited(answer))
    wants = ask(whole["oped"], "What does the author want the council to do?")
    assert cited(wants) == ["The council should restore the library budget this year."]
    report = whole["news"].answer("What does the author recommend?")
    assert report is not None and report.refusal and not report.chunks, "a report's author recommends nothing"
    assert whole["news"].answer("What should the council do?") is None, "what people in it want: retrieval's"
    assert whole["entry"].answer("What does the author propose?").refusal


def test_n_bullet_points_give_n_bullets(whole: dict[str, WholeArticle]) -> None:
    for kind in ("oped", "tiny"):
        answer = ask(whole[kind], "Summarize in 3 bullet points")
        lines = answer.render().splitlines()
        assert answer.bullets and lines[0] == "The article in 3 points:"
        assert len(lines) == 4 and all(re.fullmatch(r"- .+ \[\d\]", line) for line in lines[1:])
        assert [int(n) for n in re.findall(r"\[(\d+)\]", answer.render())] == [1, 2, 3]
    two = ask(whole["oped"], "Give me the gist in two sentences.")
    assert len(two.chunks) == 2 and two.bullets
    prose = ask(whole["news"], "What is this article about?")
    assert not prose.bullets and prose.render().startswith("In brief: ")


def test_summaries_keep_article_order(whole: dict[str, WholeArticle]) -> None:
    answer = ask(whole["oped"], "Summarize the article in 4 points")
    starts = [c.start for c in answer.chunks]
    assert starts == sorted(starts)


def test_counterarguments_come_from_reported_opposing_views(whole: dict[str, WholeArticle]) -> None:
    oped = ask(whole["oped"], "What are the counterarguments?")
    assert oped.kind == "counter" and any("Critics say" in t for t in cited(oped))
    news = ask(whole["news"], "What do critics say?")
    assert any("Reed" in t for t in cited(news)) and not any("Gomez" in t for t in cited(news))
    tiny = ask(whole["tiny"], "Is there an opposing view?")
    assert any("voted against" in t for t in cited(tiny))


def test_comparisons_by_topic(whole: dict[str, WholeArticle]) -> None:
    answer = ask(whole["oped"], "Explain the school comparison")
    assert answer.kind == "comparison" and "like closing a school" in cited(answer)[0]
    assert ask(whole["entry"], "Why does the article compare okapis to giraffes?").kind == "comparison"
    assert whole["oped"].answer("Explain the hospital comparison") is None
    assert whole["news"].answer("What comparisons does the author draw?") is None


def test_definitions_only_of_what_the_article_defines(whole: dict[str, WholeArticle]) -> None:
    assert "By austerity I mean" in cited(ask(whole["oped"], "What does austerity mean?"))[0]
    assert cited(ask(whole["entry"], "What is the okapi?"))[0].startswith("The okapi is a giraffid")
    assert whole["entry"].answer("What is the altitude?") is None
    works = ask(whole["entry"], "How does the okapi work?")  # "How does a lift house work?"
    assert cited(works)[0].startswith("The okapi is a giraffid")
    assert whole["entry"].answer("Explain how the altitude works.") is None
    assert whole["oped"].answer("What does budget mean?") is None


def test_evidence_and_author(whole: dict[str, WholeArticle]) -> None:
    evidence = ask(whole["oped"], "What evidence does the author give?")
    assert any("40,000" in t for t in cited(evidence))
    assert cited(ask(whole["oped"], "Who wrote this?")) == ["Jo Park is a writer based in Leeds."]
    assert cited(ask(whole["tiny"], "Who is the author?")) == ["By Ana Ruiz"]
    assert whole["entry"].answer("Who wrote this?") is None
    # The figure does not say "free indoor space"; the paragraph it stands in does.
    evidence = ask(whole["oped"], "What evidence is there that the free indoor space is used?")
    assert cited(evidence) == ["Last year 40,000 residents borrowed books, according to a council report."]


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("Who is quoted in the article?", "The people it quotes most:"),
        ("Which people does the article quote?", "The people it quotes most:"),
        ("Who are the main people in the story?", "The people it names most:"),
    ],
)
def test_who_is_quoted_and_who_is_in_it(whole: dict[str, WholeArticle], question: str, lead: str) -> None:
    answer = ask(whole["news"], question)
    assert answer.kind == "people"
    assert answer.lead == lead
    assert [re.search(r"Gomez|Reed", t).group(0) for t in cited(answer)] == ["Gomez", "Reed"]
    assert answer.render().startswith(lead)


def test_a_quote_that_does_not_name_its_speaker_is_shown_after_their_name() -> None:
    chunks = chunk_article(parse_article('"You never trust it," she says. "It was calm," said Tom Reed.'))
    answer = WholeAnswer(
        "people", chunks, "The people it quotes most:", labels=["Ingrid Halvorsen", "Tom Reed"]
    )
    assert answer.render() == (
        'The people it quotes most: Ingrid Halvorsen: "You never trust it," she says. [1] '
        '"It was calm," said Tom Reed. [2]'
    )


def test_a_report_s_author_gives_no_opinion_of_their_own(whole: dict[str, WholeArticle]) -> None:
    assert (
        ask(whole["news"], "What is the author's opinion?").lead
        == "It reports rather than argues; its main point:"
    )
    assert ask(whole["oped"], "What is the author's opinion?").lead == "The author's main argument:"


def test_the_key_terms_are_the_definitions_it_gives(whole: dict[str, WholeArticle]) -> None:
    terms = ask(whole["oped"], "What are the key terms?")
    assert cited(terms) == ["By austerity I mean cutting services that cost little and give much."]
    assert whole["news"].answer("What are the key terms?").refusal, "it defines none: says so"


@pytest.mark.parametrize("follow_up", ["Why?", "How so?", "Can you give an example?", "Any evidence?"])
def test_why_after_the_main_argument_gives_what_supports_it(
    whole: dict[str, WholeArticle], follow_up: str
) -> None:
    thesis = ask(whole["oped"], "What is the author's main argument?")
    history = [
        {"role": "user", "content": "What is the author's main argument?"},
        {"role": "assistant", "content": thesis.render()},
    ]
    support = whole["oped"].answer(follow_up, history)
    assert support is not None and support.kind == "evidence"
    assert any("40,000" in t for t in cited(support))
    assert whole["oped"].answer(follow_up) is None, "with nothing said before, it is no such question"


def test_who_is_quoted_about_a_topic_is_a_detail(whole: dict[str, WholeArticle]) -> None:
    assert whole["news"].answer("Who is quoted about the boats?") is None
    assert read_whole_question("Who is the mayor?") is None


@pytest.mark.parametrize(
    "question",
    [
        "What did Reed say?",
        "When did the terminal open?",
        "What is his main argument?",
        "What is Reed's main argument?",
        "How much did the terminal cost?",
        "Summarize what the article says about boats.",
        "What evidence does the author give for the cost?",
        "In what year does the article compare the terminal to the old one?",
        "When was the terminal that the author compares to a bridge built?",
        "What happened after the text message?",  # an SMS, not the text's message
    ],
)
def test_questions_about_a_detail_are_not_whole_article_ones(
    whole: dict[str, WholeArticle], question: str
) -> None:
    assert whole["news"].answer(question) is None


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What's the thesis?", "thesis"),
        ("What is the central claim of the essay?", "thesis"),
        ("What does the author want the U.S. to do?", "recommendation"),
        ("What does the article propose?", "recommendation"),
        ("tl;dr", "summary"),
        ("What is this article mainly about?", "summary"),
        ("What is the text's message?", "thesis"),
        ("What is the author's opinion?", "thesis"),
        ("What is the conclusion?", "thesis"),
        ("What is the dispute about?", "thesis"),
        ("What is the main finding of the study?", "thesis"),
        ("What did the study find?", "thesis"),
        ("What were the findings?", "thesis"),
        ("What solution is proposed?", "recommendation"),
        ("Who is quoted?", "people"),
        ("What are the key terms?", "terms"),
        ("Which words does the article define?", "terms"),
        ("Summarize in 5 sentences", "summary"),
        ("What are the objections to the plan?", "counter"),
        ("What was the controversy?", "counter"),
        ("Does everyone agree with her?", "counter"),
        ("What happens next in this case?", "next"),
        ("What are the next steps?", "next"),
        ("How do historians disagree about the strike?", "counter"),
        ("Explain the Lebanon comparison", "comparison"),
        ("What is the Vietnam analogy?", "comparison"),
        ("What evidence does the author give?", "evidence"),
        ("What is meant by austerity?", "definition"),
        ("Who wrote this?", "author"),
        ("What is this piece trying to convince me of?", "thesis"),
        ("What does the author do for a living?", "author"),
        ("What is the writer's job?", "author"),
        ("What's the main story here?", "thesis"),
        ("What does the reviewer think of the book overall?", "thesis"),
        ("What is the verdict on the novel?", "thesis"),
        ("What happens next for both teams?", "next"),
    ],
)
def test_question_kinds(question: str, kind: str) -> None:
    asked = read_whole_question(question)
    assert asked is not None and asked.kind == kind


@pytest.mark.parametrize(
    "question", ["Summarize the match.", "Summarize the review", "What's the main story here?"]
)
def test_the_kind_of_thing_reported_names_no_topic(question: str) -> None:
    asked = read_whole_question(question)
    assert asked is not None and asked.topic == ()


def test_question_details() -> None:
    summary = read_whole_question("Summarize in five bullet points")
    assert summary is not None and (summary.points, summary.bullets) == (5, True)
    wants = read_whole_question("What does the author want the U.S. to do?")
    assert wants is not None and wants.target == "the U.S."
    lebanon = read_whole_question("Explain the Lebanon comparison")
    assert lebanon is not None and lebanon.topic == ("lebanon",)
    assert is_gist_question("Write a summary of the article") and is_author_question("Who wrote it?")
    assert not is_gist_question("What is the bridge?")
    meant = read_whole_question("What does the author mean by austerity?")
    assert meant is not None and meant.term == "austerity"
    long_target = read_whole_question("What should the city stop trying to do, according to the article?")
    assert long_target is not None and long_target.target == ""


def test_framing_verbs_name_no_topic() -> None:
    for question in (
        "What objections does the author answer?",
        "What objections does the author deal with?",
        "Did anyone disagree?",
    ):
        asked = read_whole_question(question)
        assert asked is not None and (asked.kind, asked.topic) == ("counter", ()), question


def test_what_the_author_wants_of_someone_no_proposal_names_is_every_proposal(
    whole: dict[str, WholeArticle],
) -> None:
    answer = ask(whole["oped"], "What does the author want the mayor to do?")
    assert answer.kind == "recommendation"
    assert "The council should restore the library budget this year." in cited(answer)


def test_render_marks_every_sentence_in_order() -> None:
    chunks = [
        Chunk(id=f"s{i}", text=t, start=0, end=len(t), paragraph=1, sentence=i) for i, t in enumerate("AB")
    ]
    assert WholeAnswer("thesis", chunks, lead="Lead:").render() == "Lead: A [1] B [2]"
    assert WholeAnswer("summary", chunks, bullets=True).render() == "- A [1]\n- B [2]"


def test_the_service_answers_whole_article_questions_with_citations(tiny_service: Any) -> None:
    result = tiny_service.ask("Summarize in 3 bullet points")
    assert not result["refused"] and len(result["citations"]) == 3
    text = tiny_service.article.text
    for citation in result["citations"]:
        assert text[citation["start"] : citation["end"]] == citation["text"]
        assert f"- {citation['text']} [{citation['n']}]" in result["answer"]
    title = tiny_service.article_map.title
    assert title and all(
        c["text"] != "Riverton Votes to Rebuild the Old Harbour Bridge" for c in result["citations"]
    )
    counter = tiny_service.ask("What are the counterarguments?")
    assert not counter["refused"] and "voted against" in counter["citations"][0]["text"]


NUMBERED = """Close the roads outside schools

By Ana Ruiz

The city should close the road outside every primary school at drop-off. Critics raise two objections.

The first objection is that traffic moves next door. The counts show it did not.

The second objection is cost. Cameras cost less than one crossing guard a year.

So here is what I am asking for. First, the council should make the trial permanent. \
Second, it should extend it to all twelve schools by 2028. \
Finally, it should publish the traffic counts every term.
"""


def numbered(fake_embeddings: Any) -> WholeArticle:
    article = parse_article(NUMBERED, source="numbered.md")
    chunks = chunk_article(article)
    vectors = dict(
        zip([c.id for c in chunks], fake_embeddings.embed_documents([c.text for c in chunks]), strict=True)
    )
    return WholeArticle(article, chunks, build_map(article, chunks, vectors))


def test_an_ordinal_asks_for_that_item_of_a_numbered_list(fake_embeddings: Any) -> None:
    whole = numbered(fake_embeddings)
    assert cited(ask(whole, "What is the author's second recommendation?"))[0].startswith(
        "Second, it should extend"
    )
    assert cited(ask(whole, "What is the last proposal?"))[0].startswith("Finally, it should publish")
    # A short item brings the sentence that explains it.
    assert cited(ask(whole, "What is the second counterargument?")) == [
        "The second objection is cost.",
        "Cameras cost less than one crossing guard a year.",
    ]
    assert whole.answer("What is the fourth recommendation?") is None  # no such item: not the map's answer
    asked = read_whole_question("What was the first objection the author raises?")
    assert asked is not None and (asked.kind, asked.item, asked.topic) == ("counter", 1, ())


def test_how_the_author_answers_an_objection_is_the_reply_after_it(fake_embeddings: Any) -> None:
    whole = numbered(fake_embeddings)
    reply = ask(whole, "How does the author answer the first objection?")
    assert reply.render().startswith("The author's reply:")
    assert cited(reply) == ["The counts show it did not."]
    assert cited(ask(whole, "How does the author respond to the second objection?")) == [
        "Cameras cost less than one crossing guard a year."
    ]
    # After the objection was given, "How does the author answer it?" is its reply.
    said = [
        {"role": "user", "content": "What is the second objection?"},
        {"role": "assistant", "content": "The second objection is cost. [1]"},
    ]
    assert cited(ask_with(whole, "How does the author answer it?", said)) == [
        "Cameras cost less than one crossing guard a year."
    ]
    assert whole.answer("How does the author answer it?") is None  # nothing named yet
    assert read_whole_question("What objections does the author answer?").response is False  # type: ignore[union-attr]


def ask_with(whole: WholeArticle, question: str, history: list[dict[str, str]]) -> WholeAnswer:
    answer = whole.answer(question, history)
    assert answer is not None, question
    return answer


def test_the_other_side_after_one_view_leaves_that_view_out() -> None:
    article = parse_article(
        "The Dock Strike\n\nThe Dock Strike was a labour dispute that halted the harbour for forty days.\n\n"
        "Historians disagree about its significance. The historian Dorothea Winch argued that the strike "
        "was a turning point. Robert Kesteven contended that the settlement was largely a defeat.",
        source="debate.md",
    )
    chunks = chunk_article(article)
    # The lede on the others' mean, so it is the most central sentence and the main point.
    vectors = {c.id: [1.0, 0.0 if n < 3 else (-1) ** n * 0.5] for n, c in enumerate(chunks)}
    whole = WholeArticle(article, chunks, build_map(article, chunks, vectors))
    winch = "The historian Dorothea Winch argued that the strike was a turning point."
    said = [
        {"role": "user", "content": "What did Dorothea Winch argue?"},
        {"role": "assistant", "content": f"{winch} [1]"},
    ]
    assert winch in cited(ask(whole, "How do historians disagree about the strike?"))
    assert cited(ask_with(whole, "Does everyone agree with her?", said)) == [
        "Robert Kesteven contended that the settlement was largely a defeat."
    ]


def test_what_happens_next_is_what_the_article_says_will_happen(fake_embeddings: Any) -> None:
    article = parse_article(
        "Court upholds fine\n\nA court has ruled that the water company broke its contract.\n\n"
        "The company will pay 2.4 million pounds, the judges said. "
        '"We will study it," its spokeswoman said.\n\n'
        "The company now has 28 days to appeal. An engineer will check the repairs every six months.",
        source="court.md",
    )
    chunks = chunk_article(article)
    vectors = dict(
        zip([c.id for c in chunks], fake_embeddings.embed_documents([c.text for c in chunks]), strict=True)
    )
    whole = WholeArticle(article, chunks, build_map(article, chunks, vectors))
    assert cited(ask(whole, "What happens next?")) == [
        "The company now has 28 days to appeal.",
        "An engineer will check the repairs every six months.",
    ]  # the last ones, and never a quote
    said = [{"role": "user", "content": "What did the court rule?"}, {"role": "assistant", "content": "..."}]
    assert whole.answer("What happens next?", said) is None, "in a conversation: after what was said"
