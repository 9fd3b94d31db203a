"""Chunking: citation-sized passages with verbatim offsets, names, and quotes attributed to speakers."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.article import Article, default_article_path, parse_article, read_article
from index.chunks import Chunk, chunk_article, find_names

DATA = Path(__file__).resolve().parents[1] / "data"


def quotes_by_speaker(text: str) -> dict[str, str | None]:
    """Each quoted passage (first words) -> the speaker the chunker found for it."""
    return {
        q.text.split(",")[0][:30]: q.speaker for c in chunk_article(parse_article(text)) for q in c.quotes
    }


def speaker_of(text: str, quote_start: str) -> str | None:
    found = {k: v for k, v in quotes_by_speaker(text).items() if k.startswith(quote_start)}
    assert len(found) == 1, f"expected one quote starting {quote_start!r}, got {found}"
    return next(iter(found.values()))


@pytest.mark.parametrize(
    "path",
    [DATA / "tiny_article.md", DATA / "other_article.md", default_article_path()],
    ids=lambda p: p.name,
)
def test_chunks_are_verbatim_sentence_sized_slices(path: Path) -> None:
    article = read_article(path)
    chunks = chunk_article(article)
    assert chunks
    assert len({c.id for c in chunks}) == len(chunks), "chunk ids are unique"
    paragraphs = {p.number: p for p in article.paragraphs}
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        paragraph = paragraphs[chunk.paragraph]
        assert paragraph.start <= chunk.start and chunk.end <= paragraph.end
        # A citation is a sentence or two, never a page.
        assert len(chunk.text) <= 600
        for quote in chunk.quotes:
            assert chunk.start <= quote.start < quote.end <= chunk.end
            assert quote.text.strip('"“”,.') in article.text[quote.start : quote.end]


def test_every_body_sentence_is_citable(tiny_article: Article) -> None:
    cited = {(c.start, c.end) for c in chunk_article(tiny_article)}
    for paragraph in tiny_article.body:
        for sentence in paragraph.sentences:
            assert (sentence.start, sentence.end) in cited


def test_trailing_boilerplate_is_never_a_chunk(tiny_article: Article) -> None:
    texts = " ".join(c.text for c in chunk_article(tiny_article))
    assert "newsletter" not in texts and "All rights reserved" not in texts


def test_metadata_is_flat_scalars_for_chroma(tiny_article: Article) -> None:
    for chunk in chunk_article(tiny_article):
        metadata = chunk.metadata()
        assert all(isinstance(v, str | int) for v in metadata.values())
        assert (metadata["start"], metadata["end"], metadata["paragraph"]) == (
            chunk.start,
            chunk.end,
            chunk.paragraph,
        )


def test_speaker_named_before_the_verb() -> None:
    text = 'Mayor Lena Ortiz called the vote "the day this town stopped patching and started building."'
    assert speaker_of(text, "the day this town") == "Mayor Lena Ortiz"


def test_speaker_named_after_the_quote_with_said_first() -> None:
    text = '"This will ruin the high street for years," said Tom Baker, a grocer on the quay.'
    assert speaker_of(text, "This will ruin") == "Tom Baker"


def test_speaker_named_after_the_quote_with_the_name_first() -> None:
    text = '"We are borrowing against a grant we have not yet received," Finch said after the meeting.'
    assert speaker_of(text, "We are borrowing") == "Finch"


def test_a_count_opening_the_sentence_is_not_the_speaker() -> None:
    text = 'Nine people died, numbers Lindqvist described as "far too small to tell us anything."'
    assert speaker_of(text, "far too small") == "Lindqvist"


def test_pronoun_speaker_falls_back_to_the_person_named_before() -> None:
    text = (
        "Councillor Abel Finch voted against the plan.\n\n"
        'He warned that "every month of delay adds a million dollars to the bill."'
    )
    assert speaker_of(text, "every month of delay") == "Councillor Abel Finch"


def test_pronoun_after_the_quote_falls_back_to_the_person_named_before() -> None:
    text = 'Rosa Delgado said she feared the roadworks.\n\n"I believe in the bridge, I really do," she said.'
    assert speaker_of(text, "I believe in the bridge") == "Rosa Delgado"


def test_pronoun_speaker_after_an_opening_phrase_is_not_the_phrase() -> None:
    text = (
        "Mayor Lena Ortiz opened the meeting.\n\n"
        'Speaking outside the town hall on Wednesday, she said the bridge would "bring the two '
        'halves of this town back together."'
    )
    assert speaker_of(text, "bring the two halves") == "Mayor Lena Ortiz"


def test_pronoun_falls_back_to_the_most_recent_person_not_the_first() -> None:
    text = (
        'Mayor Lena Ortiz said the vote was "a great day for all of us."\n\n'
        'Councillor Abel Finch disagreed. He said the plan was "built on hope rather than arithmetic."'
    )
    assert speaker_of(text, "built on hope") == "Councillor Abel Finch"


def test_she_skips_a_man_named_last_whose_he_follows_an_institution_s_name() -> None:
    # Bisset's "He" comes after "the Wenn River Authority": an institution, not someone "He" could be.
    text = (
        "Theodora Feltham designed the barrier. She chose counterweights.\n\n"
        "Harold Bisset, the chief engineer of the Wenn River Authority, blamed the design. "
        "He argued that motors would have been better. Feltham was cleared, a quiet victory for Bisset. "
        '"A river does not care who drew the plans," she told the Kelby Gazette.'
    )
    assert speaker_of(text, "A river does not care") == "Theodora Feltham"


def test_pronoun_falls_back_to_a_person_introduced_with_who() -> None:
    text = (
        "Mayor Lena Ortiz opened the meeting.\n\n"
        "Rosa Delgado, who runs a bakery on the quay, was less sure. "
        '"I believe in the bridge, I really do," she said.'
    )
    assert speaker_of(text, "I believe in the bridge") == "Rosa Delgado"


def test_according_to_attributes_the_quote() -> None:
    text = 'According to Dr. Ines Moll, the plan "cannot work without a second grant from the state."'
    assert speaker_of(text, "cannot work without") == "Dr. Ines Moll"


def test_scare_quotes_are_not_speech() -> None:
    article = parse_article('Residents mocked the "temporary" ferry and its "so-called timetable" all year.')
    (chunk,) = chunk_article(article)
    assert chunk.quotes == ()
    assert chunk.speakers == ()


def test_quote_without_any_speaker_is_kept_unattributed() -> None:
    article = parse_article('The sign on the door read "closed until the bridge is finished."')
    (chunk,) = chunk_article(article)
    assert [q.speaker for q in chunk.quotes] == [None]


def test_people_metadata_names_the_speakers(tiny_article: Article) -> None:
    chunks = chunk_article(tiny_article)
    speakers = {s for c in chunks for s in c.speakers}
    assert {"Mayor Lena Ortiz", "Finch"} <= speakers or {
        "Mayor Lena Ortiz",
        "Councillor Abel Finch",
    } <= speakers
    people = {p for c in chunks for p in c.people}
    assert "Mayor Lena Ortiz" in people
    assert not people & {"Monday", "Riverton", "The", "Some"}


def test_a_sentence_opening_with_a_pronoun_carries_the_one_before_for_search() -> None:
    article = parse_article(
        "The Old Harbour Bridge was closed in 2021 after a flood. It will reopen in 2027. "
        "Nobody expects delays."
    )
    first, second, third = chunk_article(article)
    assert first.context == "" and third.context == ""
    assert second.context == first.text
    assert second.search_text == f"{first.text} {second.text}"
    assert third.search_text == third.text


def test_a_pronoun_after_an_opening_adverb_also_carries_the_sentence_before() -> None:
    article = parse_article(
        'For years the Pryce twins crossed every morning. "Now they\'re both doctors," she says. '
        "But they still write."
    )
    first, second, third = chunk_article(article)
    assert second.context == first.text
    assert third.context == first.text  # the run of pronouns points back to where it opened


def test_an_opening_she_is_searched_with_the_person_the_article_is_about() -> None:
    article = parse_article(
        "Mara Quill runs the ferry. Mara Quill laughs. Mara Quill says she loves it. Mara Quill says her "
        "crossings are calm. Her father, Arne Quill, ran it before her.\n\n"
        "She has told her deckhand she will pay her fare.\n\nHe sold the boat in 1990."
    )
    *_, told, sold = chunk_article(article)
    assert told.referent == "Mara Quill"
    assert told.search_text.startswith("Mara Quill ")
    # "He" is nobody the article surely calls he nearby: no guess.
    assert sold.referent == ""


def test_context_never_crosses_a_paragraph() -> None:
    article = parse_article("The bridge was closed.\n\nIt will reopen in 2027.")
    assert [c.context for c in chunk_article(article)] == ["", ""]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Colin Powell recalled the war.", ["Colin Powell"]),
        ("Secretary Rumsfeld told a press conference.", ["Secretary Rumsfeld"]),
        ("The Bush administration bowed.", ["Bush"]),
        ("But Iyad Allawi warned.", ["Iyad Allawi"]),
    ],
)
def test_find_names(text: str, expected: list[str]) -> None:
    assert find_names(text)[: len(expected)] == expected


def test_find_names_skips_sentence_openers() -> None:
    names = find_names("The council met. However, it voted. When they left, Meanwhile nothing.")
    assert not {"The", "However", "When", "Meanwhile"} & set(names)


def test_chunk_dataclass_is_hashable_and_comparable(tiny_article: Article) -> None:
    chunks = chunk_article(tiny_article)
    again = chunk_article(tiny_article)
    assert chunks == again, "chunking is deterministic"
    assert isinstance(chunks[0], Chunk)
    assert len(set(chunks)) == len(chunks)


def test_a_surname_alone_is_the_person_named_before_in_full() -> None:
    # The bare surname in the second paragraph is the latest person named before "she says".
    text = (
        "Ingrid Vale, who has run the ferry for thirty years, is retiring.\n\n"
        "In 2009 a bridge was championed by Councillor Margaret Dunn. Vale campaigned against it.\n\n"
        '"They were wrong that a bridge is the only answer," she says.'
    )
    assert speaker_of(text, "They were wrong") == "Ingrid Vale"


def test_a_quote_given_to_a_surname_names_the_person_in_full() -> None:
    text = (
        "Ingrid Vale, who has run the ferry for thirty years, is retiring.\n\n"
        '"You never trust the river," Vale said.'
    )
    assert speaker_of(text, "You never trust") == "Ingrid Vale"


def test_the_rest_of_a_quote_with_no_known_speaker_is_still_a_quote() -> None:
    article = parse_article(
        'The ferry needs work. "It is a beautiful old thing. But it burns diesel, and that has to change."'
    )
    last = chunk_article(article)[-1]
    assert last.text.startswith("But it burns")
    assert [q.speaker for q in last.quotes] == [None], "someone's words, not the author's"


def test_he_says_after_her_story_is_the_man_named_in_full_nearby() -> None:
    # Nothing marks Reilly as a person but his full name; "he" cannot be the "she" of the article.
    text = (
        "Ingrid Vale has run the ferry for thirty years, and she says the river decides. "
        '"You never trust it," she says. Vale retires on Friday.\n\n'
        "Her deckhand is Tomas Reilly.\n\n"
        'Reilly is quieter than his skipper. "She taught me everything except how to be calm," he says.\n\n'
        'The crossing ends at Carver Street. "It is the best job on the river," he says.'
    )
    assert speaker_of(text, "She taught me everything") == "Tomas Reilly"
    assert speaker_of(text, "It is the best job") == "Tomas Reilly", "a street is nobody"


def test_she_says_after_a_river_is_named_is_the_woman_not_the_river() -> None:
    text = (
        "Ingrid Vale has run the ferry for thirty years. She retires on Friday.\n\n"
        "In the spring she will walk the River Wend from its source to the sea. "
        '"I have crossed it all my life," she says.'
    )
    assert speaker_of(text, "I have crossed it") == "Ingrid Vale", "a river is nobody"


def test_a_quote_whose_end_names_the_speaker_is_theirs_from_its_first_sentence() -> None:
    text = (
        "The library began in Agnes Whitlock's garage. Its treasurer is Daniel Reyes.\n\n"
        '"I love the idea. I just can\'t make it add up," Reyes said. "The rent alone is double that."\n\n'
        "Owen Mably, 19, volunteers on Saturdays.\n\n"
        '"People my age own nothing. We rent rooms," he said.\n\n'
        'Tom Garvey lives opposite. His view is simple: "Nobody told us it would be this loud."\n\n'
        'Asked about the vote in December, the founder laughed. "Then we will charge," she said.'
    )
    chunks = chunk_article(parse_article(text))
    said = {c.text: c.speakers for c in chunks if c.quotes}
    assert said['"I love the idea.'] == ("Daniel Reyes",), "the end of the quote names him"
    assert said["I just can't make it add up,\" Reyes said."] == ("Daniel Reyes",)
    assert said['"People my age own nothing.'] == ("Owen Mably",), "the surname alone, in full"
    assert speaker_of(text, "Nobody told us") == "Tom Garvey", "his view: the quote is his"
    assert speaker_of(text, "Then we will charge") != "December"
    assert "Agnes Whitlock" in find_names("It began in Agnes Whitlock's garage.")


def test_she_says_is_never_a_man_the_article_calls_he() -> None:
    text = (
        "Agnes Whitlock founded the library.\n\n"
        "Owen Mably, 19, hopes the arguments will not drown out what he sees as the point. "
        '"People my age own nothing," he said.\n\n'
        'Asked what she would do if she lost the vote, the founder laughed. "Then we will charge," she said.'
    )
    assert speaker_of(text, "People my age") == "Owen Mably"
    assert speaker_of(text, "Then we will charge") != "Owen Mably"
    answer = next(c for c in chunk_article(parse_article(text)) if c.text.startswith('"Then'))
    assert answer.context.startswith("Asked what she would do"), "the question it answers, for search"


@pytest.mark.parametrize(
    "quote",
    [
        '"It\'s a toaster repair, not a building site," the repair coordinator said.',
        '"He has a point about parking. It\'s a toaster repair," the repair coordinator said.',
        '"It\'s a toaster repair, not a building site," said the repair coordinator.',
    ],
)
def test_a_quote_given_to_a_role_is_the_person_the_article_describes_with_it(quote: str) -> None:
    chunks = chunk_article(
        parse_article(
            "Priya Chandran, an engineer who runs the repair sessions, fixes lamps. "
            "Owen Mably keeps the catalogue.\n\n"
            f"Tom Garvey complained about noise. {quote}"
        )
    )
    assert chunks[-1].speakers == ("Priya Chandran",)
    nobody = chunk_article(parse_article(f"Owen Mably keeps the catalogue. {quote}"))
    assert nobody[-1].speakers == (), "nobody described as a repair coordinator"


@pytest.mark.parametrize("mark", ['"', "“"])
def test_a_quote_opened_after_said_and_a_colon_runs_on_as_the_speakers(mark: str) -> None:
    close = '"' if mark == '"' else "”"
    text = (
        "The ruling brought mixed feelings. Gwen Tallis, a retired nurse, said: "
        f"{mark}I had to carry water up the hill for a week. I want to know my taps will work.{close}"
    )
    assert speaker_of(text, "I had to carry water") == "Gwen Tallis"
    assert speaker_of(text, "I want to know") == "Gwen Tallis", "the quote goes on in her words"


def test_a_quote_said_by_a_team_s_coach_is_the_coach_s() -> None:
    text = (
        "Kestrel won the final.\n\n"
        '"From where I was standing it was a penalty all day long," said Kestrel coach Graham Pettit.'
    )
    assert speaker_of(text, "From where I was standing") == "Graham Pettit"


def test_she_after_a_role_and_a_hyphenated_name_is_that_person() -> None:
    # "Millbrook" opens the sentence, but Costello is its subject; her first name has a hyphen.
    text = (
        "Lena Vasquez scored the winner and she was mobbed.\n\n"
        "Millbrook coach Anne-Marie Costello did not hold back. "
        '"It hit her shoulder and everybody saw it," she said.'
    )
    assert speaker_of(text, "It hit her shoulder") == "Anne-Marie Costello"
