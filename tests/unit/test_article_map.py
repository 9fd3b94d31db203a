"""The article map: roles found by rule in an op-ed, a news report and an encyclopedia entry.

Fake embeddings make centrality noise, so every assertion here rests on sentence cues alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from index.article import Article, parse_article
from index.article_map import MAP_VERSION, ArticleMap, build_map, opens_on_scene
from index.chunks import Chunk, chunk_article

KINDS = Path(__file__).resolve().parents[1] / "data"
OPED = (KINDS / "kinds_oped.md").read_text(encoding="utf-8")
NEWS = (KINDS / "kinds_news.txt").read_text(encoding="utf-8")
ENTRY = (KINDS / "kinds_entry.txt").read_text(encoding="utf-8")


def mapped(text: str, embeddings: Any) -> tuple[Article, list[Chunk], ArticleMap]:
    article = parse_article(text, source="test.md")
    chunks = chunk_article(article)
    vectors = dict(
        zip([c.id for c in chunks], embeddings.embed_documents([c.text for c in chunks]), strict=True)
    )
    return article, chunks, build_map(article, chunks, vectors)


def texts(chunks: list[Chunk], ids: list[str]) -> list[str]:
    by_id = {c.id: c.text for c in chunks}
    return [by_id[i] for i in ids]


def with_(chunks: list[Chunk], ids: list[str], words: str) -> bool:
    return any(words in text for text in texts(chunks, ids))


@pytest.fixture(scope="module")
def oped(fake_embeddings: Any) -> tuple[Article, list[Chunk], ArticleMap]:
    return mapped(OPED, fake_embeddings)


@pytest.fixture(scope="module")
def news(fake_embeddings: Any) -> tuple[Article, list[Chunk], ArticleMap]:
    return mapped(NEWS, fake_embeddings)


@pytest.fixture(scope="module")
def entry(fake_embeddings: Any) -> tuple[Article, list[Chunk], ArticleMap]:
    return mapped(ENTRY, fake_embeddings)


def test_labels_are_found_and_never_hold_an_answer_role(oped: Any, news: Any, entry: Any) -> None:
    for _, chunks, m in (oped, news, entry):
        assert len(m.title) == 1 and texts(chunks, m.title)[0].endswith(("Libraries", "Terminal", "Okapi"))
        roles = m.thesis + m.recommendations + m.evidence + m.opposing + m.comparisons + m.key_points
        roles += [i for _, i in m.definitions]
        assert not set(roles) & m.not_answers
    assert texts(oped[1], oped[2].byline) == ["By Jo Park"]
    assert texts(entry[1], entry[2].headings) == ["Habitat"]
    assert texts(oped[1], oped[2].bio) == ["Jo Park is a writer based in Leeds."]


def test_a_dateline_is_a_label(fake_embeddings: Any) -> None:
    _, chunks, m = mapped(
        "# Storm Closes Port\n\nMarch 3, 2025\n\nThe port closed on Monday.", fake_embeddings
    )
    assert texts(chunks, m.date) == ["March 3, 2025"]
    assert m.thesis and not set(m.thesis) & m.not_answers


def test_the_kind_of_article_is_read_from_its_voice(oped: Any, news: Any, entry: Any) -> None:
    assert (oped[2].kind, news[2].kind, entry[2].kind) == ("opinion", "news", "reference")


def test_thesis_by_cue_in_an_op_ed_and_the_lead_elsewhere(oped: Any, news: Any, entry: Any) -> None:
    assert with_(oped[1], oped[2].thesis, "The most important fact")
    assert texts(news[1], news[2].thesis)[0].startswith("Harbor Town opened")
    assert texts(entry[1], entry[2].thesis)[0].startswith("The okapi is a giraffid")


def test_recommendations_are_the_authors_not_a_quoted_persons(oped: Any, news: Any, entry: Any) -> None:
    _, chunks, m = oped
    found = texts(chunks, m.recommendations)
    assert "The council should restore the library budget this year." in found
    assert "The city must also extend opening hours." in found
    assert not any("Elm Street" in t for t in found), "Hale's 'should' is reported, not proposed"
    assert news[2].recommendations == [] and entry[2].recommendations == []


def test_opposing_views_are_the_reported_ones_and_their_speakers(oped: Any, news: Any, entry: Any) -> None:
    assert with_(oped[1], oped[2].opposing, "Critics say")
    assert with_(oped[1], oped[2].opposing, "Councillor Dan Hale argued")
    assert with_(news[1], news[2].opposing, "Fisherman Tom Reed")
    assert with_(news[1], news[2].opposing, "It blocks our boats")
    assert not with_(news[1], news[2].opposing, "Mayor Rita Gomez")
    assert with_(entry[1], entry[2].opposing, "It was long thought")
    assert with_(entry[1], entry[2].opposing, "However, later studies")


def test_comparisons_definitions_and_evidence(oped: Any, news: Any, entry: Any) -> None:
    assert texts(oped[1], oped[2].comparisons) == [
        "Closing a library is like closing a school: the damage lasts a generation."
    ]
    assert with_(entry[1], entry[2].comparisons, "Unlike giraffes")
    assert news[2].comparisons == []
    assert ("austerity", next(i for t, i in oped[2].definitions if t == "austerity")) in oped[2].definitions
    terms = {t.lower() for t, _ in entry[2].definitions}
    assert {"the okapi", "the forest giraffe"} <= terms
    assert with_(oped[1], oped[2].evidence, "40,000 residents")
    assert with_(news[1], news[2].evidence, "$12 million") or with_(news[1], news[2].thesis, "$12 million")


def test_who_said_what_joins_a_name_and_its_short_form(news: Any) -> None:
    _, chunks, m = news
    reed = [name for name in m.speakers if name.endswith("Reed")]
    assert len(reed) == 1
    assert with_(chunks, m.speakers[reed[0]], "It blocks our boats")


def test_the_map_survives_json_and_refuses_another_version(oped: Any) -> None:
    m = oped[2]
    assert ArticleMap.from_json(m.to_json()) == m
    with pytest.raises(ValueError):
        ArticleMap.from_json(m.to_json().replace(f'"version":{MAP_VERSION}', '"version":0'))


def test_the_outline_labels_each_sentence_once(oped: Any) -> None:
    outline = oped[2].outline()
    ids = [i for _, i in outline]
    assert len(ids) == len(set(ids))
    assert {label for label, _ in outline} >= {"Thesis", "Recommendation", "Opposing view", "Comparison"}


def test_the_index_stores_the_map_and_an_older_index_builds_it(make_index: Any) -> None:
    index = make_index(OPED)
    stored = index.collection.metadata["article_map"]
    assert ArticleMap.from_json(stored) == index.article_map
    index.collection.modify(
        metadata={k: v for k, v in index.collection.metadata.items() if k != "article_map"}
    )
    reopened = type(index)(
        article=index.article, chunks=index.chunks, collection=index.collection, embeddings=index.embeddings
    )
    assert reopened.article_map == index.article_map


# An op-ed that answers numbered objections and ends on numbered proposals.
LISTED = "\n\n".join(
    [
        "# Light Our Towpath",
        "By Sam Reyes",
        "Bramley should light the canal towpath from the station to the market every night of the year. "
        "The path is dark from four o'clock in winter.",
        "Across the water, the town of Oakfield lit its towpath in 2019. Oakfield is larger than Bramley, "
        "so the comparison is not exact. Its council reports that evening cycling there has doubled.",
        "Critics raise two objections, and both deserve an answer.",
        "The first objection is that lamps would harm the bats that feed along the canal. The second "
        "objection is that residents must pay for the lamps through higher rates. He is right that "
        "somebody must pay. Somebody has to switch the lamps on, and last winter that somebody was a "
        "volunteer.",
        "It is time to act. First, the council should fit low amber lamps that bats ignore. Second, it "
        "should pay for them from the parking budget.",
    ]
)


@pytest.fixture(scope="module")
def listed(fake_embeddings: Any) -> tuple[Article, list[Chunk], ArticleMap]:
    return mapped(LISTED, fake_embeddings)


def test_objections_the_author_answers_are_opposing_views_not_proposals(listed: Any) -> None:
    _, chunks, m = listed
    opposing = texts(chunks, m.opposing)
    assert {t.split(" is that")[0] for t in opposing if " objection is that" in t} == {
        "The first objection",
        "The second objection",
    }
    assert opposing[-1].startswith("Critics raise two objections"), "a lead-in ranks after what it announces"
    proposals = texts(chunks, m.recommendations)
    assert not any("objection" in t or t.startswith(("He is right", "Somebody")) for t in proposals)
    assert not any("objection" in t or t.startswith("Somebody") for t in texts(chunks, m.thesis))


def test_numbered_proposals_rank_first_and_lead_ins_last(listed: Any) -> None:
    _, chunks, m = listed
    proposals = texts(chunks, m.recommendations)
    assert [t.split(",")[0] for t in proposals[:2]] == ["First", "Second"]
    assert proposals[2].startswith("Bramley should light")
    assert proposals[-1] == "It is time to act."


def test_a_comparison_named_as_such_takes_the_sentence_it_refers_to(listed: Any) -> None:
    _, chunks, m = listed
    assert texts(chunks, m.comparisons) == [
        "Across the water, the town of Oakfield lit its towpath in 2019.",
        "Oakfield is larger than Bramley, so the comparison is not exact.",
    ]
    assert not with_(chunks, m.evidence, "First, the council"), "a proposal is not evidence"


MEASURED = """Light the towpath

By Ana Ruiz

Bramley should light its towpath. In 1998 the towpath was opened to walkers. \
Residents have complained about the dark for years.

The council ran a trial in 2023. Reported assaults on the path fell by 40 percent during the trial. \
The share of women who walked it after dark rose from 12 percent to 30 percent.
"""


def test_measured_results_are_evidence_and_a_year_alone_is_not(fake_embeddings: Any) -> None:
    _, chunks, m = mapped(MEASURED, fake_embeddings)
    evidence = texts(chunks, m.evidence)
    assert "The share of women who walked it after dark rose from 12 percent to 30 percent." in evidence
    assert not any(t.startswith(("In 1998", "The council ran a trial in 2023")) for t in evidence)


def test_terms_named_by_locals_or_experts_or_after_a_colon_are_definitions(fake_embeddings: Any) -> None:
    text = (
        "Why Holmsworth sank\n\nBy Ana Ruiz\n\n"
        "Brine collects in channels along the rockhead, which geologists call brine runs. "
        "A trough filled with rain became a lake, known locally as a flash. "
        "The result was the lift house: a timber-framed building that could be jacked level.\n"
    )
    _, chunks, m = mapped(text, fake_embeddings)
    terms = {term: t for term, i in m.definitions for t in texts(chunks, [i])}
    assert terms["brine runs"].startswith("Brine collects")
    assert terms["a flash"].startswith("A trough")
    assert terms["lift house"].startswith("The result was the lift house")


def test_one_must_in_the_narration_does_not_make_a_report_an_opinion(fake_embeddings: Any) -> None:
    report = (
        "The tool library moved into the old fire station in September. A council grant pays the rent "
        "for eighteen months. After that, the library has to pay its own way.\n\n"
        '"We will manage," said Agnes Whitlock. "We always have," said Daniel Reyes.'
    )
    _, _, article_map = mapped(report, fake_embeddings)
    assert article_map.kind == "news" and article_map.recommendations == []
    argued = report.replace("After that,", "The council should double the grant. After that,")
    assert mapped(argued, fake_embeddings)[2].kind == "opinion"


def test_a_review_judging_in_the_first_person_is_an_opinion_led_by_its_verdict(fake_embeddings: Any) -> None:
    review = (
        "Nora Pell's second novel is the best book I have read this spring, and the most frustrating. "
        "It is ambitious and often beautiful.\n\n"
        "The novel follows a ferry captain, Agnes Rook, through one wet winter. "
        '"I wrote it in six years," Pell told me.\n\n'
        "So who should read it? Patient readers will find much to admire. My advice: wait for the paperback."
    )
    _, chunks, article_map = mapped(review, fake_embeddings)
    assert article_map.kind == "opinion"
    thesis = texts(chunks, article_map.thesis)
    assert thesis[0].startswith("Nora Pell's second novel")
    assert not any(t.endswith("?") for t in thesis)


def test_a_report_that_opens_on_a_scene_is_about_its_nut_graf(fake_embeddings: Any) -> None:
    scene = (
        "At ten past six on a grey Tuesday morning, the skipper climbs the steps to the wheelhouse and "
        "pours tea from a dented flask.\n\n"
        '"You never trust the river," she says. "It decides what it does."\n\n'
        "Ingrid Halvorsen, who is 64, has been the skipper of the Dunmore chain ferry for 31 years. "
        "On September 30 she will bring it in for the last time.\n\n"
        '"I will miss the passengers," said Tomas Reilly, her deckhand.'
    )
    _, chunks, article_map = mapped(scene, fake_embeddings)
    assert texts(chunks, article_map.thesis) == [
        "Ingrid Halvorsen, who is 64, has been the skipper of the Dunmore chain ferry for 31 years."
    ]
    assert not with_(chunks, article_map.key_points, "ten past six")
    assert not opens_on_scene("On Monday, the council voted 31 to 24 to build the tram line.")
    # Opening without a scene, the first sentence is a point again.
    news = scene.replace("At ten past six on a grey Tuesday morning, the", "The")
    _, chunks, article_map = mapped(news, fake_embeddings)
    assert with_(chunks, article_map.key_points, "climbs the steps")


DEBATE = (
    "The Dock Strike of 1873\n\n"
    "The Dock Strike was a labour dispute that halted the harbour for forty days in 1873.\n\n"
    "Historians disagree about the strike's significance. In her 1961 study, the historian Dorothea "
    "Winch argued that the strike was a turning point for dock labour. Later writers have been more "
    "cautious. Robert Kesteven, in a 1994 article, contended that the settlement was largely a defeat."
)


def test_a_debate_announced_by_historians_disagree_is_the_views_its_paragraph_reports() -> None:
    article = parse_article(DEBATE, source="debate.md")
    chunks = chunk_article(article)
    # The lede on the others' mean, so it is the most central sentence and the main point.
    vectors = {c.id: [1.0, 0.0 if n < 3 else (-1) ** n * 0.5] for n, c in enumerate(chunks)}
    m = build_map(article, chunks, vectors)
    assert texts(chunks, m.thesis) == [
        "The Dock Strike was a labour dispute that halted the harbour for forty days in 1873."
    ]
    opposing = texts(chunks, m.opposing)
    assert any("Dorothea Winch argued" in t for t in opposing)
    assert any("Robert Kesteven" in t for t in opposing), "'contended' reports a view"
    assert "Historians disagree about the strike's significance." not in opposing, "its views say it"


def test_a_named_thing_set_beside_another_is_a_comparison_a_bigger_number_is_not(
    fake_embeddings: Any,
) -> None:
    text = (
        "Nora Pell's new novel is about a flood. More than 2,000 copies sold in a week.\n\n"
        "Pell is warmer and more generous than Gideon Marsh, whose novel covered similar ground. "
        "The book is longer than the first one."
    )
    _, chunks, article_map = mapped(text, fake_embeddings)
    assert [t[:11] for t in texts(chunks, article_map.comparisons)] == ["Pell is war"]
