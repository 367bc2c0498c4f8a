"""An Italian-to-English glossary of support vocabulary, so Italian tickets share features with English ones.

A few hundred labelled tickets hold too few Italian examples to learn Italian on its own: with the English
word appended beside each Italian one, "fattura" counts as "invoice" too. Forms are folded (lowercase, no
accents) as normalise.fold leaves them; each English word is one of the vocabulary's ordinary tokens.
"""

from __future__ import annotations

import re

_GLOSSARY = {
    # money
    "invoice": "fattura fatture fatturazione fatturato fatturare fatturata fatturati",
    "receipt": "ricevuta ricevute scontrino",
    "charge": "addebito addebiti addebitato addebitati addebitata addebitare addebitano addebitate",
    "charged": "pagato pagata pagati prelevato prelevati trattenuto",
    "refund": "rimborso rimborsi rimborsare rimborsato rimborsate rimborsata rimborsatemi",
    "payment": "pagamento pagamenti pagare paghiamo pago versamento bonifico",
    "subscription": "abbonamento abbonamenti abbonato abbonata rinnovo rinnovi rinnovato",
    "plan": "piano piani pacchetto licenza licenze",
    "price": "prezzo prezzi costo costi tariffa tariffe listino aumento",
    "card": "carta",
    "vat": "iva",
    "discount": "sconto sconti coupon",
    "cancel": "disdetta disdire disdico annullare annullamento annullato annullata recedere recesso",
    "twice": "doppio doppia",
    "money": "soldi euro importo importi",
    "bank": "banca bancario bancaria",
    # access and accounts
    "login": "accesso accedere accedo entrare loggarmi loggare autenticazione",
    "password": "credenziali",
    "locked": "bloccato bloccata bloccati bloccare sospeso sospesa",
    "user": "utente utenti collega colleghi dipendente dipendenti",
    "account": "profilo",
    "delete": "cancellare cancellato cancellata eliminare eliminato eliminata rimuovere rimosso chiudere",
    "email": "mail posta indirizzo",
    "owner": "proprietario titolare amministratore",
    "permission": "permessi permesso autorizzazione ruolo ruoli",
    "code": "codice codici otp",
    "reset": "reimpostare reimpostazione recuperare recupero",
    "data": "dati",
    "privacy": "gdpr",
    # product trouble
    "error": "errore errori",
    "broken": "funziona funzionano rotto guasto",
    "crash": "crasha crash chiude chiusura",
    "freezes": "blocca bloccano bloccata impalla",
    "slow": "lento lenta lentissimo lentissima lentezza rallentamenti rallentato",
    "load": "caricare carica caricamento caricano",
    "page": "pagina pagine schermata",
    "blank": "bianca bianco vuota vuoto",
    "update": "aggiornamento aggiornare aggiornato aggiornata",
    "app": "applicazione",
    "sync": "sincronizzazione sincronizzare sincronizza",
    "missing": "manca mancano mancante spariti sparito sparita scomparsi",
    "wrong": "sbagliato sbagliata sbagliati sbagliate errato errata errati errate",
    "down": "giu irraggiungibile",
    "file": "allegato allegati documento documenti",
    "export": "esportare esportazione esporta",
    "import": "importare importazione",
    "notification": "notifica notifiche avviso avvisi",
    "print": "stampa stampare",
    # wishes
    "feature": "funzionalita funzione funzioni opzione",
    "add": "aggiungere aggiungete aggiungeste integrare",
    "would": "sarebbe sarebbero",
    "useful": "utile comodo bello",
    "wish": "vorrei vorremmo desidero piacerebbe",
    "possible": "possibile possibilita",
    "suggestion": "suggerimento proposta idea",
    "dark": "scuro scura",
    "calendar": "calendario",
    # everything else
    "question": "domanda informazione informazioni",
    "order": "ordine ordinato spedizione consegna",
    "partner": "rivenditore collaborazione partnership",
}
_ENGLISH = {form: english for english, forms in _GLOSSARY.items() for form in forms.split()}
_WORD = re.compile(r"[a-z]+")


def gloss(text: str) -> str:
    """The English words of the text's Italian support vocabulary, space separated ("" when there is none)."""
    found = _ENGLISH.keys() & set(_WORD.findall(text))
    return " ".join(sorted({_ENGLISH[form] for form in found}))
