"""Stage and header text matching (stages.normalize, stages.stage_key, StageSet).

What "distinct" means: two labels are the same label when they differ only in case (Unicode
case folding), compatibility forms (NFKC: full-width letters, ligatures), spacing,
punctuation, the accents of Latin and Greek letters, and the optional vowel points of Hebrew
and Arabic. Every other difference, a letter or digit of any script or a mark that is part
of a letter (Cyrillic й, Japanese が, Devanagari vowel signs), makes them distinct, and
distinct labels must keep distinct keys."""

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsales.core.errors import ConfigError
from sheetsales.core.stages import DEFAULT_STAGES, Stage, StageSet, _by_letter, _unicode_key, \
    normalize, stage_key


def test_spacing_case_and_punctuation_do_not_count():
    assert normalize("Closed-Won ") == normalize("closed won") == "closedwon"
    assert normalize("4 - Negotiation") == "4negotiation"


def test_accents_do_not_count_but_letters_of_every_script_do():
    assert normalize("Négociation") == normalize("NEGOCIATION") == "negociation"
    assert normalize("Cualificación") == "cualificacion"
    assert normalize("Zoë") == "zoe" and normalize("Straße") == "strasse"
    assert normalize("Πρόταση") == normalize("ΠΡΟΤΑΣΗ") == "προταση"
    keys = {normalize(t) for t in ("Переговоры", "Сделка провалена", "Выдано")}
    assert keys == {"переговоры", "сделкапровалена", "выдано"}
    assert normalize("мой") != normalize("мои")  # й is a letter, not an accented и
    assert normalize("が") != normalize("か") and normalize("ＬＥＡＤ") == "lead"
    assert normalize("הַצָּעָה") == normalize("הצעה") == "הצעה"
    assert normalize("مُفَاوَضَات") == "مفاوضات"
    assert normalize("提案") == "提案" and normalize("제안") == "제안"
    assert normalize("मिलना") != normalize("मलन")  # Devanagari vowel signs are kept


def test_a_label_of_digits_stays_itself():
    assert stage_key("95211147") == "95211147" != stage_key("95211148")
    assert stage_key("1 - Lead") == stage_key("06-Lead") == stage_key("Step 3: Lead") == "lead"
    stages = StageSet()
    assert stages.match("06-Closed Won").key == "won"
    assert stages.match("03-Discovery / Need Analysis").key == "discovery"
    assert stages.match("95211147") is None and stages.match("1") is None


@given(st.text(alphabet=st.characters(max_codepoint=127)) |
       st.from_regex(r"[A-Za-z0-9 ]{0,20}", fullmatch=True))
def test_the_ascii_shortcut_agrees_with_the_unicode_path(text):
    assert normalize(text) == _unicode_key(text) == re.sub(r"[^a-z0-9]+", "", text.lower())


@given(st.text() | st.text(alphabet=st.characters(max_codepoint=0x3FF)) |
       st.text(alphabet=st.sampled_from("ーй\u0306\u0301\u093faé\u05b4א가 -")))
def test_the_unicode_shortcuts_agree_with_the_letter_by_letter_rule(text):
    folded = unicodedata.normalize("NFKC", text).casefold()
    assert _unicode_key(text) == _by_letter(unicodedata.normalize("NFKD", folded))


# Base letters as normalize() keeps them, per script; each is one "letter" of a word.
_SCRIPTS = {
    "latin": [*"abcdefghijklmnopqrstuvwxyz", "ø", "ł", "đ", "þ"],
    "greek": [c for c in "αβγδεζηθικλμνξοπρστυφχψω"],
    "cyrillic": [*"абвгдежзийклмнопрстуфхцчшщъыьэюяё", "ї", "є", "ў"],
    "hebrew": [chr(c) for c in range(0x05D0, 0x05EB)],
    "arabic": [chr(c) for c in (*range(0x0627, 0x063B), *range(0x0641, 0x064B))],
    "cjk": [chr(c) for c in range(0x4E00, 0x4E80)],
    "kana": [chr(c) for c in range(0x3041, 0x3097)],
    "hangul": [chr(c) for c in range(0xAC00, 0xAC80)],
    "devanagari": [chr(c) + v for c in range(0x0915, 0x0939) for v in ("", "\u093e", "\u093f",
                                                                        "\u0941", "\u0947")],
    "thai": [chr(c) + v for c in range(0x0E01, 0x0E2F) for v in ("", "\u0e34", "\u0e38")],
    "digits": [*"0123456789", "٣", "३"],
}
_ACCENTS = ["\u0301", "\u0300", "\u0308", "\u0302", "\u0303", "\u0327", "\u030c"]
_POINTS = {"hebrew": ["\u05b0", "\u05b4", "\u05b8", "\u05bc"],
           "arabic": ["\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u064b"]}
_SEPARATORS = [" ", "  ", "-", "_", ".", "\u00a0", "\u2013", "'", "(", ")", ":"]


@st.composite
def labels(draw):
    """(base letters, a label that writes them): the label is the letters in random case,
    with accents (Latin, Greek) or vowel points (Hebrew, Arabic) added, full-width Latin,
    and spacing or punctuation between words."""
    script = draw(st.sampled_from(sorted(_SCRIPTS)))
    letters = draw(st.lists(st.sampled_from(_SCRIPTS[script]), min_size=1, max_size=8))
    written = []
    for letter in letters:
        if script in ("latin", "greek", "cyrillic") and draw(st.booleans()):
            letter = letter.upper()
        if script in ("latin", "greek") and letter.isalpha() and draw(st.booleans()):
            letter = unicodedata.normalize("NFC", letter + draw(st.sampled_from(_ACCENTS)))
        if script in _POINTS and draw(st.booleans()):
            letter += draw(st.sampled_from(_POINTS[script]))
        if script == "latin" and letter.isascii() and draw(st.booleans()):
            letter = chr(ord(letter) - ord("A") + 0xFF21) if letter.isupper() else \
                chr(ord(letter) - ord("a") + 0xFF41)
        if draw(st.integers(0, 3)) == 0:
            letter = draw(st.sampled_from(_SEPARATORS)) + letter
        written.append(letter)
    return unicodedata.normalize("NFC", "".join(letters)), "".join(written)


@given(labels())
def test_a_label_keys_to_exactly_its_letters(label):
    letters, written = label
    assert normalize(written) == letters


@given(labels(), labels())
def test_distinct_labels_keep_distinct_keys(first, second):
    (letters_a, a), (letters_b, b) = first, second
    assert (normalize(a) == normalize(b)) == (letters_a == letters_b)


@given(labels())
def test_a_label_with_letters_never_keys_to_nothing(label):
    assert stage_key(label[1])


def test_the_default_stages_keep_apart():
    StageSet(DEFAULT_STAGES)  # raises on any two labels or aliases that share a key


def test_two_stages_that_would_share_a_key_are_an_error_naming_both():
    stages = (*DEFAULT_STAGES[:-1], Stage("lost", "Lost", None, "lost_on", "None",
                                          ("Négociation",)),
              Stage("talks", "Talks", 4, None, "x", ("Negociation!",)))
    with pytest.raises(ConfigError, match="'Négociation' \\(Lost\\) and 'Negociation!' "
                                          "\\(Talks\\)"):
        StageSet(stages)
    with pytest.raises(ConfigError, match="'---'.*no letter or digit"):
        StageSet((Stage("x", "---", 1, None, "y"),))
