"""The text normaliser: what e-mail courtesy, replies and footers add is dropped before vectorising."""

from __future__ import annotations

from app.ml.candidates import CHAR_MAX_SAMPLES
from app.ml.lexicon import cues, gloss
from app.ml.normalise import enrich_ticket, fold, normalise_ticket, split_reply, strip_courtesy
from app.ml.pipeline import build_features, uses_lexicon


def test_greeting_sign_off_and_signature_are_dropped_in_english():
    text = (
        "Invoice missing VAT\nHello,\n\nOur invoice does not show our VAT ID. Please reissue it.\n\n"
        "Kind regards,\nJonas Weber\nAccounts Payable | Hollmann Logistik GmbH"
    )
    assert (
        normalise_ticket(text)
        == "invoice missing vat\nour invoice does not show our vat id. please reissue it."
    )


def test_greeting_sign_off_and_device_footer_are_dropped_in_italian():
    text = (
        "Rimborso non ricevuto\nBuongiorno,\nil rimborso non è arrivato sulla carta.\n"
        "Cordiali saluti\nGiuseppe Marchetti\n\nInviato da iPhone"
    )
    assert normalise_ticket(text) == "rimborso non ricevuto\nil rimborso non e arrivato sulla carta."
    assert enrich_ticket(text) == normalise_ticket(text) + "\ncard refund"


def test_a_thanks_that_starts_the_message_is_kept():
    assert strip_courtesy("Thanks for the call yesterday. Here is the list") == (
        "Thanks for the call yesterday. Here is the list"
    )
    assert strip_courtesy("The best way to cancel?") == "The best way to cancel?"


def test_quoted_reply_keeps_its_words_without_markers_or_headers():
    body = (
        "Still nothing on my Visa.\n\n"
        "> On Mon, 4 Mar, Support <help@example.com> wrote:\n> We issued a refund."
    )
    own, quoted = split_reply(body)
    assert own.strip() == "Still nothing on my Visa."
    assert quoted == "We issued a refund."


def test_italian_reply_header_and_forwarded_message_are_quoted_text():
    body = (
        "Vedi sotto, grazie.\n\nIl giorno lun 4 mar, Supporto ha scritto:\n> La fattura è pronta.\n"
        "---------- Forwarded message ---------\nFrom: Billing <b@example.com>\nSubject: Payment failed\n"
        "Please update your card."
    )
    own, quoted = split_reply(body)
    assert own.strip() == "Vedi sotto, grazie."
    assert "La fattura è pronta." in quoted and "Please update your card." in quoted
    assert "From:" not in quoted and "ha scritto" not in quoted and "Subject" not in quoted


def test_subject_prefixes_are_dropped_and_text_folded():
    assert normalise_ticket("Re: Fwd: R: Fattura N. 2024123\nÈ già pagata, CIAO") == (
        "fattura n. 0000\ne gia pagata, ciao"
    )


def test_addresses_and_long_numbers_are_masked_short_numbers_kept():
    folded = fold("Mail me at a.b@example.com, see https://x.example/y. Error 404 on order 5582113, 2FA")
    assert "emailaddress" in folded and "webaddress" in folded
    assert "404" in folded and "0000" in folded and "5582113" not in folded and "2fa" in folded


def test_a_ticket_without_courtesy_is_only_folded():
    assert enrich_ticket("Export button\nThe export button does nothing.") == (
        "export button\nthe export button does nothing."
    )


def test_italian_support_words_gain_their_english_word_once():
    assert gloss("non riesco ad accedere, la pagina resta bianca dopo l'aggiornamento") == (
        "blank login page update"
    )
    assert gloss("fattura e fatture sbagliate") == "invoice wrong"


def test_english_text_gains_nothing():
    assert gloss("the invoice page is blank after the update, please come back to me") == ""


def test_phrases_of_one_intent_add_one_cue_however_spelled():
    assert cues("it would be great if you could add sub-folders") == "cue_wish"
    assert cues("please add sub-folders, it'd be handy") == "cue_wish"
    assert cues("i'm out of the office until monday") == "cue_autoreply"
    assert cues("how do i sign in from the desktop app?") == "cue_howto cue_login"


def test_a_plain_sentence_has_no_cue():
    assert cues("the dashboard shows yesterday's totals") == ""


def test_small_training_sets_read_the_lexicon_large_ones_plain_text():
    assert uses_lexicon(655) and not uses_lexicon(CHAR_MAX_SAMPLES + 1)
    small, large = build_features("word", 655), build_features("word", CHAR_MAX_SAMPLES + 1)
    assert small.transformers[0][1].preprocessor is enrich_ticket
    assert large.transformers[0][1].preprocessor is normalise_ticket
    # A selection subsample of a large training set reads text as the final fit does.
    assert build_features("word", 2_000, lexicon=False).transformers[0][1].preprocessor is normalise_ticket
