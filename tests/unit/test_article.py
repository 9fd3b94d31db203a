"""Article parsing: paragraphs and sentences that keep verbatim offsets, boilerplate dropped by rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.article import Article, default_article_path, parse_article, read_article, split_sentences
from index.errors import ArticleError

DATA = Path(__file__).resolve().parents[1] / "data"
TINY_ARTICLE = DATA / "tiny_article.md"
OTHER_ARTICLE = DATA / "other_article.md"


def assert_offsets_verbatim(article: Article) -> None:
    for paragraph in article.paragraphs:
        assert article.text[paragraph.start : paragraph.end] == paragraph.text
        for sentence in paragraph.sentences:
            assert article.text[sentence.start : sentence.end] == sentence.text
            assert paragraph.start <= sentence.start < sentence.end <= paragraph.end
            assert sentence.text == sentence.text.strip(), "sentences are trimmed of whitespace"
            assert sentence.paragraph == paragraph.number


def sentence_texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize("path", [TINY_ARTICLE, OTHER_ARTICLE, default_article_path()], ids=lambda p: p.name)
def test_every_paragraph_and_sentence_is_a_verbatim_slice(path: Path) -> None:
    article = read_article(path)
    assert_offsets_verbatim(article)
    assert [p.number for p in article.paragraphs] == list(range(1, len(article.paragraphs) + 1))
    assert [s.index for s in article.sentences] == list(range(len(article.sentences)))


def test_default_article_is_package_data_and_parses() -> None:
    path = default_article_path()
    assert path.is_file()
    article = read_article()
    assert article.text == path.read_text(encoding="utf-8-sig")
    assert len(article.body) >= 5


def test_markdown_heading_and_byline_become_title_and_author(tiny_article: Article) -> None:
    assert tiny_article.title == "Riverton Votes to Rebuild the Old Harbour Bridge"
    assert tiny_article.author == "Ana Ruiz"
    kinds = [p.kind for p in tiny_article.paragraphs]
    assert kinds[:2] == ["heading", "byline"]
    assert all(kind == "body" for kind in kinds[2:] if kind not in {"separator"})
    # No body sentence carries the Markdown marker.
    assert not any(s.text.startswith("#") for p in tiny_article.body for s in p.sentences)


def test_other_article_title_and_author_are_detected() -> None:
    article = read_article(OTHER_ARTICLE)
    assert article.title and article.title.startswith("Port Ardley Council Backs")
    assert article.author == "Miriam Okafor"


def test_plain_text_without_heading_has_no_title() -> None:
    article = parse_article("The council met. It voted.\n\nThe mayor spoke.")
    assert article.title is None and article.author is None
    assert [p.kind for p in article.paragraphs] == ["body", "body"]


@pytest.mark.parametrize(
    ("opening", "kinds"),
    [
        ("Heat warnings cut admissions, trial finds\nBy Helen Marsh", ["heading", "byline"]),
        ("# Big News\nBy Ann Lee\n12 May 2026", ["heading", "byline", "heading"]),
        ("Big News\n\nUpdated March 3, 2026 at 9:14 a.m.", ["heading", "heading"]),
    ],
)
def test_headline_byline_and_date_lines_are_labels_not_body(opening: str, kinds: list[str]) -> None:
    article = parse_article(f"{opening}\n\nThe council voted on Monday. It was close.\n")
    assert_offsets_verbatim(article)
    assert [p.kind for p in article.paragraphs] == [*kinds, "body"]
    body = [s.text for p in article.body for s in p.sentences]
    assert body == ["The council voted on Monday.", "It was close."]


@pytest.mark.parametrize(
    "opening",
    [
        "The council voted on Monday\nto close the pool after a long debate.",  # a wrapped sentence
        "Big News\n\nIn 1990 the council voted.",  # a short sentence with a year is no dateline
    ],
)
def test_wrapped_lines_and_sentences_stay_body(opening: str) -> None:
    article = parse_article(f"{opening}\n\nIt was close.\n")
    assert article.paragraphs[-2].kind == "body"


def test_trailing_boilerplate_is_dropped(tiny_article: Article) -> None:
    kept = " ".join(p.text for p in tiny_article.paragraphs)
    for phrase in ("newsletter", "Share this article", "All rights reserved"):
        assert phrase not in kept
    assert tiny_article.body[-1].text.startswith("Some residents mocked")
    # The file itself still has it: only the parsed paragraphs leave it out.
    assert "newsletter" in tiny_article.text


@pytest.mark.parametrize(
    "tail",
    [
        "Follow us on Twitter for more stories like this.",
        "Click here to read more from our city desk.",
        "Copyright 2024 The Daily Planet.",
        "Get more news like this, directly in your inbox.",
        "* * *",
    ],
)
def test_boilerplate_rule_is_general_not_a_list_of_one_site(tail: str) -> None:
    text = f"The bridge opened in May. Crowds came.\n\nThe mayor cut a ribbon.\n\n{tail}\n"
    article = parse_article(text)
    assert [p.text for p in article.paragraphs if p.sentences] == [
        "The bridge opened in May. Crowds came.",
        "The mayor cut a ribbon.",
    ]


def test_boilerplate_words_inside_the_body_are_kept() -> None:
    middle = "Readers who subscribe to the newsletter were told first."
    long_last = (
        "The council will publish the full report next month, and residents can read more about the "
        "plan, its costs and its timetable at the public library, where copies will be kept for anyone "
        "who asks for one at the front desk."
    )
    article = parse_article(f"The bridge opened.\n\n{middle}\n\n{long_last}")
    texts = [p.text for p in article.paragraphs]
    assert middle in texts, "only trailing call-to-action paragraphs are dropped"
    assert long_last in texts, "a long final paragraph is content, even if it says 'read more'"


def test_an_article_of_only_boilerplate_is_an_error() -> None:
    with pytest.raises(ArticleError):
        parse_article("   \n\n  ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. Army left. The war went on.", ["The U.S. Army left.", "The war went on."]),
        ("He met Mr. Smith and Dr. Jones. They talked.", ["He met Mr. Smith and Dr. Jones.", "They talked."]),
        (
            "The report by J. R. Haldane was long. Few read it.",
            ["The report by J. R. Haldane was long.", "Few read it."],
        ),
        (
            "Costs rose 3.5 percent in 2021. Then they fell.",
            ["Costs rose 3.5 percent in 2021.", "Then they fell."],
        ),
        ('She said "yes." Then she left.', ['She said "yes."', "Then she left."]),
        ("She said “we will win.” He laughed.", ["She said “we will win.”", "He laughed."]),
        ("Is it over? Not yet! Wait… It is.", ["Is it over?", "Not yet!", "Wait…", "It is."]),
        (
            "Some towns, e.g. Riverton, agreed. Others did not.",
            ["Some towns, e.g. Riverton, agreed.", "Others did not."],
        ),
        ("It ended on Jan. 5 in the rain. Nobody came.", ["It ended on Jan. 5 in the rain.", "Nobody came."]),
        (
            "She teaches at St. Brigid's. Aisha Brennan agrees.",
            ["She teaches at St. Brigid's.", "Aisha Brennan agrees."],
        ),
        ("They said no. No. 10 said yes.", ["They said no.", "No. 10 said yes."]),
        ("a lower-case start. keeps going", ["a lower-case start. keeps going"]),
    ],
)
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert sentence_texts(text) == expected


def test_a_single_digit_at_the_end_of_a_sentence_still_ends_it() -> None:
    assert sentence_texts("The vote was nine to 4. Then the council adjourned.") == [
        "The vote was nine to 4.",
        "Then the council adjourned.",
    ]


def test_sentences_never_straddle_paragraphs(tiny_article: Article) -> None:
    for paragraph in tiny_article.body:
        assert paragraph.sentences, f"body paragraph {paragraph.number} has no sentences"
        joined = " ".join(s.text for s in paragraph.sentences)
        assert joined.split() == paragraph.text.split()


def test_crlf_text_keeps_verbatim_offsets(tiny_text: str) -> None:
    article = parse_article(tiny_text.replace("\n", "\r\n"))
    assert_offsets_verbatim(article)
    for sentence in article.sentences:
        assert "\r" not in sentence.text[-1:] and "\n" not in sentence.text[-1:]


def test_crlf_text_splits_like_lf_text(tiny_text: str) -> None:
    lf = parse_article(tiny_text)
    crlf = parse_article(tiny_text.replace("\n", "\r\n"))
    assert [p.kind for p in crlf.paragraphs] == [p.kind for p in lf.paragraphs]
    assert [s.text for s in crlf.sentences] == [s.text for s in lf.sentences]
    assert (crlf.title, crlf.author) == (lf.title, lf.author)


def test_utf8_bom_is_not_part_of_the_text(tmp_path: Path, tiny_text: str) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes(b"\xef\xbb\xbf" + tiny_text.encode("utf-8"))
    article = read_article(path)
    assert not article.text.startswith("\ufeff")
    assert article.title == "Riverton Votes to Rebuild the Old Harbour Bridge"
    assert_offsets_verbatim(article)
    assert article.text == path.read_text(encoding="utf-8-sig")


def test_read_article_keeps_the_file_text_exactly(tmp_path: Path) -> None:
    text = "  Leading spaces stay.\n\n\n\tTabs and  double  spaces stay too.  \n"
    path = tmp_path / "exact.txt"
    path.write_bytes(text.encode("utf-8"))
    article = read_article(path)
    assert article.text == text
    assert article.source == "exact.txt"
    assert [p.text for p in article.paragraphs] == [
        "Leading spaces stay.",
        "Tabs and  double  spaces stay too.",
    ]
    assert_offsets_verbatim(article)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    with pytest.raises(ArticleError, match="not found") as error:
        read_article(missing)
    assert str(missing) in str(error.value)


def test_binary_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ArticleError, match="binary"):
        read_article(path)


def test_non_utf8_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 society met on Monday.".encode("latin-1"))
    with pytest.raises(ArticleError, match="UTF-8"):
        read_article(path)


def test_oversized_file_is_rejected_with_the_knob_to_raise(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Words here. " * 100, encoding="utf-8")
    with pytest.raises(ArticleError, match="MAX_ARTICLE_BYTES"):
        read_article(path, max_bytes=100)


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.md"
    path.write_text("\n\n   \n", encoding="utf-8")
    with pytest.raises(ArticleError, match="no text"):
        read_article(path)


def test_a_directory_is_not_an_article(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match=str(tmp_path)):
        read_article(tmp_path)


def test_fingerprint_follows_the_text(tiny_text: str) -> None:
    same = parse_article(tiny_text, source="a.md")
    again = parse_article(tiny_text, source="b.md")
    changed = parse_article(tiny_text.replace("nine to four", "ten to three"), source="a.md")
    assert same.fingerprint == again.fingerprint
    assert same.fingerprint != changed.fingerprint


def test_text_without_sentence_punctuation_is_cut_into_citation_sized_pieces() -> None:
    from index.article import MAX_SENTENCE_CHARS

    words = " ".join(f"word{i}" for i in range(3000))
    clauses = "; ".join(" ".join(f"w{i}x{j}" for j in range(12)) for i in range(200))
    for text in (words, clauses, "x" * 5000, "Intro here. " + words + ". The end."):
        article = parse_article(text)
        sentences = article.sentences
        assert len(sentences) > 1
        assert all(0 < len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
        assert all(s.text == text[s.start : s.end] for s in sentences)
        covered = "".join(text[s.start : s.end] for s in sentences)
        assert covered.replace(" ", "") == text.replace(" ", "")
    pieces = parse_article(clauses).sentences
    assert all(p.text.endswith(";") for p in pieces[:-1]), "cut at clause breaks when there are some"
