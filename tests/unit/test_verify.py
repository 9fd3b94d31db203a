"""The sentence checker: each rule catches its corruption and lets a faithful paraphrase through."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from bot.numbers import numbers
from bot.verify import Check, Verifier

REPO = Path(__file__).resolve().parents[2]
TRAM = (REPO / "tests" / "data" / "other_article.md").read_text(encoding="utf-8")
OPED = (REPO / "index" / "data" / "article.txt").read_text(encoding="utf-8")

VOTE = (
    "Port Ardley’s city council voted 31 to 24 on Tuesday, 18 March 2025, to approve a 9.6-kilometre "
    "tram line linking the harbour district to the university campus at Kelsey Hill, ending nearly four "
    "years of argument over how the coastal city should cope with its growing traffic."
)
MAYOR = (
    "Mayor Helen Brandt, who made the tram the centrepiece of her 2022 election campaign, called the vote "
    "“the most important transport decision this city has made in half a century.”"
)
WOJCIK = "Councillor Tomasz Wójcik, who leads the opposition group, warned that the budget was “built on hope rather than arithmetic.”"  # noqa: E501
SCHEDULE = (
    "Construction is due to begin in the spring of 2026, with the first passengers carried in late 2029 "
    "if the work stays on schedule."
)
CONSULTATION = (
    "The council says the consultation received more than 4,100 responses and met every legal requirement."
)
SISTANI = (
    "It happened because the Bush administration bowed to the Shiite cleric, Sistani, who threatened to "
    "paralyze the country if the United States didn’t agree to the January elections which brought "
    "militant Shiite leaders to power."
)
POWELL = "Colin Powell recalled later opposing what he called “America sticking its hand into a thousand year-old hornet’s nest.”"  # noqa: E501
RUMSFELD = (
    "Secretary Rumsfeld implied as much when he told a press conference in late June that “insurgencies "
    "tend to go on five, six, eight, ten, 12 years.”"
)


@pytest.fixture(scope="module")
def tram() -> Verifier:
    return Verifier(TRAM)


@pytest.fixture(scope="module")
def oped() -> Verifier:
    return Verifier(OPED)


def assert_supported(check: Check) -> None:
    assert check.supported, check.reason
    assert check.reason == ""


def assert_caught(check: Check, *fragments: str) -> None:
    assert not check.supported
    for fragment in fragments:
        assert fragment in check.reason


# --- the exact sentence, markers, the result -------------------------------------------------


def test_the_cited_sentence_itself_is_supported_with_full_score(tram: Verifier) -> None:
    check = tram.check(CONSULTATION, [CONSULTATION])
    assert check == Check(True, "", 1.0)


def test_citation_markers_are_not_part_of_the_sentence(tram: Verifier) -> None:
    assert_supported(tram.check("The council voted 31 to 24 to approve the tram line. [1]", [VOTE]))
    assert_supported(tram.check("The council voted 31 to 24 to approve the tram line [1, 2].", [VOTE]))


def test_check_is_immutable() -> None:
    with pytest.raises(AttributeError):
        Check(True, "", 1.0).supported = False  # type: ignore[misc]


# --- numbers and dates -------------------------------------------------------------------------


def test_a_changed_number_is_caught(tram: Verifier) -> None:
    assert_caught(tram.check("The council voted 34 to 21 to approve the tram line.", [VOTE]), "“34”")


def test_number_words_and_digits_are_the_same_number(oped: Verifier) -> None:
    assert_supported(
        oped.check("Rumsfeld said an insurgency can go on for as long as twelve years.", [RUMSFELD])
    )
    assert_caught(
        oped.check("Rumsfeld said insurgencies can go on for fifteen years.", [RUMSFELD]), "fifteen"
    )


def test_thousands_separators_do_not_matter(tram: Verifier) -> None:
    assert_supported(tram.check("The consultation drew more than 4100 responses.", [CONSULTATION]))
    assert_caught(tram.check("The consultation drew more than 1,400 responses.", [CONSULTATION]), "1,400")


def test_a_number_counting_something_else_is_caught() -> None:
    verifier = Verifier("The class tests water samples every two weeks. The county spent $3.2 million.")
    passage = "The class tests water samples every two weeks."
    assert_supported(verifier.check("Every two weeks the class tests the water.", [passage]))
    assert_caught(verifier.check("Every two months the class tests the water.", [passage]), "two")
    spent = "The county spent $3.2 million and the beach was closed for two summers."
    assert_caught(verifier.check("The county spent $2 million.", [spent]), "“2”")


def test_reversed_numbers_are_caught() -> None:
    passage = "The council voted to raise the fine for dumping from $250 to $1,000."
    verifier = Verifier(passage)
    assert_supported(verifier.check("The fine for dumping went from $250 up to $1,000.", [passage]))
    assert_caught(
        verifier.check("The fine for dumping went from $1,000 to $250.", [passage]), "other way round"
    )


def test_a_changed_year_month_or_season_is_caught(tram: Verifier) -> None:
    assert_supported(tram.check("Building should start in spring 2026.", [SCHEDULE]))
    assert_caught(tram.check("Building should start in spring 2027.", [SCHEDULE]), "2027")
    assert_caught(tram.check("Building should start in the autumn of 2026.", [SCHEDULE]), "autumn")
    assert_caught(tram.check("The vote took place on Tuesday, 18 July 2025.", [VOTE]), "July")


def test_number_parsing() -> None:
    found = numbers("£412 million, twenty-five, 1,000 people, every two weeks, 5 per cent")
    assert [sorted(n.values) for n in found] == [[412.0, 412e6], [25.0], [1000.0], [2.0], [5.0]]
    assert [n.unit for n in found] == ["pound", None, None, "week", "percent"]


# --- names -------------------------------------------------------------------------------------


def test_a_name_the_passage_lacks_is_caught(oped: Verifier) -> None:
    assert_caught(
        oped.check("Dick Cheney told a press conference that insurgencies last 12 years.", [RUMSFELD]), "Dick"
    )
    assert_caught(
        oped.check("Rumsfeld told a press conference in Basra that they last 12 years.", [RUMSFELD]), "Basra"
    )


def test_possessives_surnames_and_accents_are_the_same_name(tram: Verifier) -> None:
    assert_supported(tram.check("Wojcik's warning was that the budget was built on hope.", [WOJCIK]))
    assert_supported(
        tram.check("Brandt called it the most important transport decision in half a century.", [MAYOR])
    )


def test_a_full_name_from_the_article_is_fine_when_the_passage_names_the_surname(tram: Verifier) -> None:
    passage = "Brandt said she was confident the scheme would survive any challenge."
    assert_supported(
        tram.check("Helen Brandt said she was confident the scheme would survive any challenge.", [passage])
    )  # noqa: E501
    assert_caught(
        tram.check("Rosa Brandt said she was confident the scheme would survive.", [passage]), "Rosa"
    )


def test_a_name_elsewhere_in_the_article_must_be_in_the_cited_passage(tram: Verifier) -> None:
    check = tram.check(
        "Wójcik called the vote the most important transport decision in half a century.", [MAYOR]
    )
    assert_caught(check, "“Wójcik”")


def test_the_article_author_may_be_named_in_any_sentence(oped: Verifier) -> None:
    passage = "The Bush administration has no incentive to admit that it has been wrong."
    assert_supported(
        oped.check(
            "Porter argues that the Bush administration has no incentive to admit it has been wrong.",
            [passage],
        )
    )  # noqa: E501


def test_one_country_under_its_other_names(oped: Verifier) -> None:
    passage = "The U.S. has plenty of leverage to use on the Shiite government to attain negotiations."
    assert_supported(
        oped.check("The United States has plenty of leverage over the Shiite government.", [passage])
    )
    assert_supported(oped.check("American leverage over the Shiite government is plentiful.", [passage]))


# --- quotations --------------------------------------------------------------------------------


def test_a_verbatim_quotation_passes_whatever_the_quote_marks(oped: Verifier) -> None:
    assert_supported(
        oped.check(
            'Powell called it "America sticking its hand into a thousand year-old hornet\'s nest."', [POWELL]
        )
    )  # noqa: E501
    assert_supported(
        oped.check(
            "Powell called it “America sticking its hand into a thousand year-old hornet’s nest.”", [POWELL]
        )
    )  # noqa: E501


def test_an_altered_quotation_is_caught(oped: Verifier) -> None:
    check = oped.check(
        "Powell called it “America sticking its hand into a hundred year-old hornet’s nest.”", [POWELL]
    )
    assert_caught(check, "not in the article word for word")


def test_a_quotation_with_an_ellipsis_matches_its_parts(oped: Verifier) -> None:
    assert_supported(oped.check("Rumsfeld said “insurgencies tend to go on … 12 years.”", [RUMSFELD]))


def test_a_quotation_from_another_passage_is_caught(oped: Verifier) -> None:
    check = oped.check("Rumsfeld said it was “a thousand year-old hornet’s nest.”", [RUMSFELD])
    assert_caught(check, "not in the cited passage")


# --- negation and opposites --------------------------------------------------------------------


def test_a_flipped_negation_is_caught(tram: Verifier) -> None:
    assert_caught(
        tram.check(
            "The council admits the consultation did not meet every legal requirement.", [CONSULTATION]
        ),
        "denies",
    )  # noqa: E501
    passage = "The Bush administration has no incentive to admit that it has been wrong."
    verifier = Verifier(passage)
    assert_caught(
        verifier.check("The Bush administration has every incentive to admit it has been wrong.", [passage]),
        "affirms",
    )  # noqa: E501


def test_a_negation_kept_or_said_another_way_passes(oped: Verifier) -> None:
    passage = "None of this is being acknowledged by the Iraqi government or the Bush administration."
    assert_supported(
        oped.check(
            "Neither the Iraqi government nor the Bush administration has acknowledged any of this.",
            [passage],
        )
    )  # noqa: E501
    # "unless" is "if ... didn't"; "elections" is not what the negation governs
    assert_supported(
        oped.check(
            "The administration bowed to Sistani, who threatened to paralyze the country"
            " unless the United States agreed to the January elections.",
            [SISTANI],
        )
    )  # noqa: E501
    assert_supported(
        oped.check(
            "Shiite leaders came to power through the January elections that Sistani demanded.", [SISTANI]
        )
    )  # noqa: E501


def test_an_opposite_word_is_caught(oped: Verifier) -> None:
    assert_caught(
        oped.check(
            "Rumsfeld told a press conference in early June that insurgencies last for years.", [RUMSFELD]
        ),
        "early",
    )  # noqa: E501
    assert_caught(
        oped.check(
            "Colin Powell recalled supporting what he called America sticking its hand into a hornet's nest.",
            [POWELL],
        ),
        "support",
    )  # noqa: E501


# --- roles -------------------------------------------------------------------------------------


def test_swapped_roles_are_caught(oped: Verifier) -> None:
    assert_caught(
        oped.check(
            "Sistani bowed to the Bush administration, which threatened to paralyze the country.", [SISTANI]
        ),
        "swap roles",
    )  # noqa: E501


def test_the_same_roles_in_other_words_pass(oped: Verifier) -> None:
    assert_supported(
        oped.check(
            "The Bush administration gave in to Sistani, who had threatened to paralyze the country.",
            [SISTANI],
        )
    )  # noqa: E501


def test_the_passive_voice_keeps_the_roles() -> None:
    passage = "Ruth Okafor founded Friends of the Millbrook in 2014."
    verifier = Verifier(passage)
    assert_supported(
        verifier.check("Friends of the Millbrook was founded by Ruth Okafor in 2014.", [passage])
    )
    assert_caught(
        verifier.check("Ruth Okafor was founded by Friends of the Millbrook in 2014.", [passage]),
        "swap roles",
    )  # noqa: E501


# --- uncited sentences -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Here is what the article says:",
        "Here is what the article says about the exit strategy:",
        "What do you think: would that leverage be enough?",
        "The article doesn't say.",
    ],
)
def test_framing_and_questions_need_no_citation(oped: Verifier, sentence: str) -> None:
    assert_supported(oped.check(sentence, []))


@pytest.mark.parametrize(
    "sentence",
    [
        "The war has already killed many Iraqi civilians.",
        "Here is what the article says: 241 Marines died in 1983.",
        "Why did Dick Cheney resign?",
        "Here is what Powell called “a hornet's nest”:",
    ],
)
def test_an_uncited_sentence_that_carries_facts_is_unsupported(oped: Verifier, sentence: str) -> None:
    check = oped.check(sentence, [])
    assert_caught(check, "cites no passage")
    assert check.score == 0.0


# --- the support score -------------------------------------------------------------------------


def test_a_sentence_about_something_else_scores_below_the_threshold(tram: Verifier) -> None:
    check = tram.check("Businesses that lose trade can claim compensation.", [CONSULTATION])
    assert_caught(check, "too little")
    assert check.score < tram.threshold


def test_the_threshold_is_a_choice() -> None:
    sentence, passage = "Shop owners on Harbour Street are divided about the tram.", TRAM.split("\n\n")[9]
    assert not Verifier(TRAM, threshold=0.9).check(sentence, [passage]).supported
    assert Verifier(TRAM, threshold=0.0).check(sentence, [passage]).supported


class SameVector(Embeddings):
    """Every text gets one vector (cosine 1 everywhere); counts the texts it is asked to embed."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += texts
        return [[3.0, 4.0] for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def test_embeddings_mix_into_the_score_and_are_cached() -> None:
    fake = SameVector()
    verifier = Verifier(TRAM, embeddings=fake)
    sentence = "Businesses that lose trade can claim compensation."
    without = Verifier(TRAM).score(sentence, [CONSULTATION])
    with_embeddings = verifier.score(sentence, [CONSULTATION])
    assert with_embeddings > without  # cosine 1 lifts a low word overlap
    assert 0.0 <= with_embeddings <= 1.0
    verifier.score(sentence, [CONSULTATION])
    assert fake.embedded.count(CONSULTATION) == 1


def test_scores_stay_in_range(tram: Verifier) -> None:
    for sentence in ["", "The tram.", "Zebra quantum marmalade.", VOTE]:
        assert 0.0 <= tram.check(sentence, [VOTE]).score <= 1.0


def test_a_changed_relative_date_is_caught(oped: Verifier) -> None:
    passage = "Last week Shiite militia deposed the Sunni mayor of Baghad and replaced him."
    assert_supported(oped.check("Last week a Shiite militia removed the Sunni mayor of Baghdad.", [passage]))
    assert_caught(
        oped.check("Last month a Shiite militia removed the Sunni mayor of Baghdad.", [passage]), "Last month"
    )


def test_a_swapped_comparison_is_caught() -> None:
    passage = "The Sunni population of the capital is much larger than its Shiite population."
    verifier = Verifier(passage)
    assert_supported(verifier.check("The capital has many more Sunnis than Shiites.", [passage]))
    assert_caught(
        verifier.check(
            "The Shiite population of the capital is larger than its Sunni population.", [passage]
        ),
        "swap",
    )  # noqa: E501


def test_an_empty_article_still_checks() -> None:
    verifier = Verifier("")
    assert_caught(
        verifier.check("Powell said “a hornet’s nest.”", ["Powell said “a hornet’s nest.”"]), "article"
    )
    assert_caught(verifier.check("Powell opposed it.", []), "cites no passage")


def test_a_swapped_surname_beside_the_right_first_name_is_caught() -> None:
    passage = "Colin Powell recalled later opposing the intervention."
    verifier = Verifier("Colin Powell recalled later opposing the intervention. Rumsfeld said little.")
    check = verifier.check("Colin Rumsfeld recalled opposing the intervention.", [passage])
    assert not check.supported
    assert "Rumsfeld" in check.reason


def test_a_number_given_for_something_else_is_caught() -> None:
    passage = (
        "The regional government will pay £40 million, the county will lend £15 million, "
        "and a toll pays the rest."
    )
    verifier = Verifier(passage)
    check = verifier.check("The regional government will lend £15 million.", [passage])
    assert not check.supported and "for something else" in check.reason
    for faithful in (
        "The county will lend £15 million and the regional government £40 million.",
        "A toll pays the rest, after £40 million from the regional government.",
    ):
        assert_supported(verifier.check(faithful, [passage]))


def test_a_number_in_a_list_keeps_the_words_of_the_list() -> None:
    passage = "Engineers expect repairs to take four, six or eight months, and the bridge to reopen in 2027."
    verifier = Verifier(passage)
    assert_supported(verifier.check("Engineers expect the repairs could take eight months.", [passage]))
    assert not verifier.check("The bridge will reopen in eight months.", [passage]).supported


def test_a_name_put_in_another_names_place_is_caught() -> None:
    passage = (
        "In the war between Christian and Shiite factions, troops fought on the side of the Christian "
        "minority, and since the Shiites won the vote, the Christians have boycotted parliament."
    )
    verifier = Verifier(passage)
    for changed, reason in (
        ("Troops fought on the side of the Shiite minority.", "“christian minority”, not “shiite minority”"),
        ("Since the Christians won the vote, they have boycotted parliament.", "“shiites won”"),
    ):
        check = verifier.check(changed, [passage])
        assert not check.supported and reason in check.reason, check
    assert_supported(verifier.check("Troops sided with the Christian minority.", [passage]))
    assert_supported(
        verifier.check("Since the Shiites won the vote, the Christians boycott parliament.", [passage])
    )


def test_a_phrase_opposite_from_the_general_list_is_caught() -> None:
    passage = "The council has promised to hire 40 more bus drivers and to sell the old depot."
    verifier = Verifier(passage)
    for changed, said in (
        ("The council has promised to lay off 40 bus drivers.", "“lay off”"),
        ("The council has promised to buy the old depot.", "“buy”"),
    ):
        check = verifier.check(changed, [passage])
        assert not check.supported and said in check.reason, check
    assert_supported(verifier.check("The council has promised to hire 40 more drivers.", [passage]))


def test_an_age_given_as_a_bare_number_after_a_name_matches_an_n_year_old() -> None:
    passage = "Among those affected is Ada Brook, 81, a retired teacher who lives alone."
    verifier = Verifier(passage)
    assert_supported(verifier.check("Ada Brook, an 81-year-old retired teacher, lives alone.", [passage]))
    assert_supported(verifier.check("Ada Brook is 81 years old and a retired teacher.", [passage]))
    # An age, not a length of time.
    assert not verifier.check("Ada Brook, a retired teacher, taught for 81 years.", [passage]).supported


def test_no_more_of_something_agrees_with_an_end_to_it() -> None:
    passage = "The drivers want an end to split shifts and a new rota."
    verifier = Verifier(passage)
    assert_supported(verifier.check("The drivers want no more split shifts and a new rota.", [passage]))
    assert not verifier.check("The drivers want no new rota.", [passage]).supported
    # Only the passage's "end to" reads both ways: a sentence calling for an end to what the
    # passage affirms is not read as denying it.
    war = "The author wants the United States to push for negotiations in the war."
    assert_supported(Verifier(war).check("The author wants negotiations to bring an end to the war.", [war]))


def test_a_number_in_a_list_item_keeps_the_verb_that_governs_the_list() -> None:
    passage = (
        "The council offered less. The drivers want one driver for every two buses, a 6 percent pay "
        "rise over two years, and free parking."
    )
    verifier = Verifier(passage)
    assert_supported(verifier.check("The council offered less, while the drivers want 6 percent.", [passage]))


def test_words_between_two_numbers_of_a_clause_may_describe_the_first() -> None:
    passage = (
        "About 300 drivers at North Quay Depot stopped work at 6 a.m. on Monday, starting a three-day "
        "strike after nine months of talks failed."
    )
    verifier = Verifier(passage)
    assert_supported(
        verifier.check("Some 300 drivers at North Quay Depot began a three-day strike on Monday.", [passage])
    )
    two = "The city will pay £3 million for new buses, on top of the £2 million spent on repairs last year."
    check = Verifier(two).check(
        "The city will pay £2 million for new buses, on top of the £3 million spent on repairs.", [two]
    )
    assert not check.supported


def test_a_name_the_cited_sentence_only_implies_is_not_missing() -> None:
    article = (
        "Depot Strike\n\nMayor Ann Lee spoke to reporters on Monday. She offered the town hall as a "
        "neutral place for talks.\n\nTom Reed, a driver for 20 years, was on the picket line. "
        '"We want fair rotas," Reed said. "I don\'t blame the drivers."'
    )
    verifier = Verifier(article)
    hall = "She offered the town hall as a neutral place for talks."
    assert_supported(verifier.check("Mayor Ann Lee offered the town hall for the talks.", [hall]))
    assert_supported(
        verifier.check("Reed said he does not blame the drivers.", ['"I don\'t blame the drivers."'])
    )
    # Someone the sentence does not mean is still a name the passage lacks.
    check = verifier.check("Tom Reed offered the town hall for the talks.", [hall])
    assert not check.supported and "the name" in check.reason


def test_a_thing_given_to_the_wrong_owner_is_caught() -> None:
    passage = "She said the final offer from the council had arrived late on Friday."
    verifier = Verifier(passage)
    check = verifier.check("The council says the union's final offer arrived late on Friday.", [passage])
    assert not check.supported and "offer" in check.reason, check
    assert_supported(verifier.check("She said the council's final offer arrived late on Friday.", [passage]))


def test_a_verb_given_to_the_wrong_doer_is_caught() -> None:
    article = (
        "The council runs the buses. The city's transport board has approved new fares and has promised "
        "to hire 40 drivers by 2027. Under the deal, the union accepted that agency staff could not cover "
        "the night shifts."
    )
    verifier = Verifier(article)
    board = "The city's transport board has approved new fares and has promised to hire 40 drivers by 2027."
    deal = "Under the deal, the union accepted that agency staff could not cover the night shifts."
    for changed, cited in (
        ("The drivers have promised to hire 40 drivers by 2027.", board),
        ("The council accepted that agency staff could not cover the night shifts.", deal),
    ):
        check = verifier.check(changed, [cited])
        assert not check.supported and "the cited passage" in check.reason, check
    assert_supported(verifier.check("The transport board has promised to hire 40 drivers by 2027.", [board]))
    assert_supported(
        verifier.check("The union accepted that agency staff could not cover night shifts.", [deal])
    )
    assert_supported(verifier.check("Forty drivers are to be hired by the transport board by 2027.", [board]))


def test_a_name_behind_a_lower_case_particle_is_a_name() -> None:
    passage = "The government bowed to the cleric, Sistani, who threatened to paralyze the country."
    check = Verifier(passage).check("The government bowed to the cleric al-Sadr.", [passage])
    assert not check.supported and "al-Sadr" in check.reason, check


def test_only_a_participle_before_by_makes_a_passive() -> None:
    passage = (
        "The minister expects the strike to go on for weeks. Secretary Lund implied as much when "
        "he told reporters that strikes “tend to go on five, six, 12 weeks.”"
    )
    claim = (
        "The minister expects a long strike, and Lund implied as much by saying strikes can last 12 weeks."
    )
    assert_supported(Verifier(passage).check(claim, [passage]))


def test_a_vague_amount_in_another_unit_is_caught() -> None:
    passage = "The talks should be given a few weeks before anyone decides to leave."
    verifier = Verifier(passage)
    assert_supported(verifier.check("The talks should get a few weeks before anyone leaves.", [passage]))
    assert_caught(
        verifier.check("The talks should get several years before anyone leaves.", [passage]), "years"
    )


def test_a_word_and_its_negative_prefix_are_opposites() -> None:
    passage = "The board said the plan was unworkable and the new rules were legal."
    verifier = Verifier(passage)
    assert_supported(verifier.check("The board called the plan unworkable and the rules legal.", [passage]))
    assert_caught(verifier.check("The board called the plan workable.", [passage]), "workable")
    assert_caught(verifier.check("The board called the new rules illegal.", [passage]), "illegal")
    # "in-" and "dis-" only on adjectives: "discover" is no opposite of "cover".
    cover = "Reporters cover the trial every day."
    assert_supported(Verifier(cover).check("Reporters discover the trial every day.", [cover]))


def test_general_opposites_of_calming_and_boycotting_are_caught() -> None:
    passage = "The verdict inflamed the crowd, and the strike saw a total boycott of the factory."
    verifier = Verifier(passage)
    assert_caught(verifier.check("The verdict calmed the crowd.", [passage]), "calmed")
    assert_caught(verifier.check("The strike saw full participation at the factory.", [passage]), "boycott")


def test_two_names_that_trade_places_are_caught_though_each_is_said_twice() -> None:
    passage = (
        "Northern troops captured the Southern general, though the Southern army was larger than "
        "the Northern army."
    )
    verifier = Verifier(passage)
    assert_supported(
        verifier.check("In the end the Northern troops captured the Southern general.", [passage])
    )
    assert_caught(
        verifier.check("In the end the Southern troops captured the Northern general.", [passage]),
        "northern troops",
    )


def test_a_clause_with_nothing_from_the_passage_is_caught() -> None:
    passage = "The city borrowed $40 million from the state for the new bridge."
    verifier = Verifier(passage)
    assert_supported(
        verifier.check("The city borrowed $40 million for the new bridge, from the state.", [passage])
    )
    assert_caught(
        verifier.check(
            "The city borrowed $40 million for the bridge, which opened ahead of schedule.", [passage]
        ),
        "opened ahead",
    )
    # A contrast names what the passage sets aside without saying it.
    assert_supported(verifier.check("The city borrowed from the state, not private lenders.", [passage]))


def test_a_present_tense_verb_given_to_the_wrong_doer_is_caught() -> None:
    passage = "The beavers build dams across the creek, which floods the meadow where the elk graze."
    verifier = Verifier(passage)
    assert_supported(verifier.check("The beavers build dams across the creek.", [passage]))
    assert_caught(verifier.check("The elk build dams across the creek.", [passage]), "elk")
    # A time after a word is no object: "days last summer" has no verb "last".
    summer = "Readings passed the limit on five days last summer."
    assert_supported(Verifier(summer).check("Readings passed it on five days last summer.", [summer]))


def test_a_common_word_opening_a_sentence_before_a_name_is_no_name() -> None:
    passage = "But Maria Lopez, the mayor, said the bridge would stay closed for good."
    verifier = Verifier(passage + " The bridge was simply too old.")
    assert_supported(
        verifier.check("Even Maria Lopez, the mayor, said the bridge would stay closed.", [passage])
    )
    assert_caught(
        verifier.check("Mayor Maria Lopez told Jones the bridge would stay closed.", [passage]), "Jones"
    )


def test_a_place_and_its_peoples_adjective_are_one_name() -> None:
    passage = "The Syrian government and the Iraqi army met at the border."
    verifier = Verifier(passage)
    assert_supported(verifier.check("The governments of Syria and Iraq met at the border.", [passage]))
    assert_caught(
        verifier.check("The governments of Syria and Jordan met at the border.", [passage]), "Jordan"
    )


def test_an_opening_phrase_is_not_an_added_clause() -> None:
    passage = "The city borrowed $40 million from the state for the new bridge."
    verifier = Verifier(passage)
    assert_supported(
        verifier.check("Among other things, the city borrowed $40 million for the bridge.", [passage])
    )


# --- round three: verdicts, added phrases, directions, the article's setting --------------------

BLUNDER = "The minister said the merger was a costly blunder that hurt every branch."
WITHDRAWAL = (
    "For many months, most pundits and political figures have been saying that a withdrawal before the "
    "country was stabilized would result in a civil war."
)


def test_a_verdict_turned_round_is_caught() -> None:
    verifier = Verifier(BLUNDER, threshold=0.0)
    assert_caught(verifier.check("The minister said the merger was a costly success.", [BLUNDER]), "success")
    assert_caught(
        verifier.check("The minister praised the merger that hurt every branch.", [BLUNDER]), "praised"
    )
    # The same verdict in other words, and a negated one (which may turn it round), pass the rule.
    assert_supported(verifier.check("The minister said the merger was a costly mistake.", [BLUNDER]))
    assert_supported(verifier.check("The minister said the merger was not a success.", [BLUNDER]))


def test_an_added_phrase_inside_the_main_clause_is_caught(oped: Verifier) -> None:
    assert_caught(
        oped.check(
            "Sistani threatened to paralyze the country through a general strike if the United States "
            "didn't agree to the January elections.",
            [SISTANI],
        ),
        "through a general strike",
    )
    assert_supported(
        oped.check(
            "Sistani threatened to paralyze the country if the United States didn't agree to the elections "
            "in January.",
            [SISTANI],
        )
    )


def test_a_part_of_a_place_the_passage_lacks_is_caught(tram: Verifier) -> None:
    assert_caught(
        tram.check(
            "The council approved a tram line linking the harbour district to the university campus in "
            "the north of the city.",
            [VOTE],
        ),
        "north",
    )
    passage = "Flooding hit the northern suburbs of the town in March."
    assert_supported(Verifier(passage).check("Flooding hit the north of the town in March.", [passage]))


def test_the_articles_setting_may_name_the_country_the_passage_means(oped: Verifier) -> None:
    claim = (
        "Pundits have said for months that a withdrawal before {} was stabilized would result in a civil war."
    )
    assert_supported(oped.check(claim.format("Iraq"), [WITHDRAWAL]))
    assert_caught(oped.check(claim.format("Lebanon"), [WITHDRAWAL]), "Lebanon")
