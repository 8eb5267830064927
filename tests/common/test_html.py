"""One HTML cleaner: plain text typed on a phone becomes paragraphs and lists; HTML is sanitised."""

from vitrine.common.html import description_clean, description_for_editing


def test_plain_text_becomes_paragraphs_line_breaks_and_lists():
    text = "Librairie indépendante.\r\nDepuis 1987.\n\n- romans\n* BD\n•  albums\n\nÀ bientôt & merci <3"

    html = description_clean(text)

    assert html == (
        "<p>Librairie indépendante.<br>Depuis 1987.</p>"
        "<ul><li>romans</li><li>BD</li><li>albums</li></ul>"
        "<p>À bientôt &amp; merci &lt;3</p>"
    )


def test_html_keeps_its_formatting_and_loses_what_runs():
    html = description_clean(
        '<p onclick="steal()">Bijoux <strong>faits main</strong></p><script>alert(1)</script>'
        '<a href="javascript:alert(1)">clic</a><a href="https://example.fr">site</a>'
    )

    assert "<strong>faits main</strong>" in html and 'href="https://example.fr"' in html
    assert "script" not in html and "onclick" not in html and "javascript:" not in html


def test_nothing_gives_nothing():
    assert description_clean("") == description_clean(None) == description_clean("  \n ") == ""


def test_plain_paragraphs_and_lists_come_back_as_typed_for_editing():
    typed = "Librairie indépendante.\nDepuis 1987.\n\n- romans & BD\n- albums"

    assert description_for_editing(description_clean(typed)) == typed


def test_richer_html_comes_back_as_it_is_for_editing():
    html = description_clean("<p>Bijoux <strong>faits main</strong></p>")

    assert description_for_editing(html) == html
    assert description_for_editing("") == ""
