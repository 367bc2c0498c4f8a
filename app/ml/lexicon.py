"""Support-mail knowledge a few hundred labelled tickets cannot teach: an Italian glossary and phrase cues.

Too few Italian examples are labelled to learn Italian on its own: with the English word appended beside each
Italian one, "fattura" counts as "invoice" too. Phrases that say what kind of mail this is ("would be great
if", "out of office", "how do I") are spelled many ways; each spelling adds one cue token (`cue_wish`), so
the model learns the intent once. Texts are folded (lowercase, no accents) as normalise.fold leaves them.
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
# Each cue: the spellings (regular expressions over folded text) that add its token.
_CUES = {
    "login": r"log ?in|logging in|logged in|sign ?in|signing in|signed in|log ?on",
    "2fa": r"two[- ]factor|2fa|mfa|authenticator|otp|verification code|security code|one[- ]time code",
    "charge": r"charged|billed|debited|deducted|taken from my (?:card|account)|payment taken",
    "refund": r"refund\w*|money back|reimburse\w*|chargeback|credit back",
    "cancel": r"cancel\w*|unsubscribe\w*|terminate|(?:stop|end) (?:my|the) subscription",
    "crash": r"crash\w*|force clos\w*|freez\w*|frozen|hangs|hanging|stuck|unresponsive",
    "error": r"errors?|exception|fails|failed|failing|failure|not working|doesn'?t work|does not work|"
    r"broken|bug",
    "slow": r"slow\w*|lag\w*|takes forever|loading forever|time ?outs?|timing out|timed out",
    "wish": r"would be (?:great|nice|good|useful|awesome|amazing|helpful|handy)|would love|it'?d be|"
    r"please add|could you add|can you add|feature request|suggestion|wish\w*|roadmap|any plans|"
    r"is it planned|are there plans|on your list|would like (?:to see|an option|a way)|consider adding",
    "howto": r"how (?:do|can|should) (?:i|we|you)|how to|where (?:do|can) (?:i|we) find|is there a way|"
    r"what(?:'s| is) the best way|can i|can we",
    "autoreply": r"out of (?:the )?office|automatic reply|auto-?reply|autoreply|not monitored|do not reply|"
    r"fuori (?:sede|ufficio)|risposta automatica|away until|on leave",
    "spam": r"click here|limited (?:time|spots|offer)|crypto\w*|bitcoin|bonus|seo|backlinks?|guest post|"
    r"make \$?\d+|winner|congratulations",
    "outreach": r"partner\w*|resell\w*|affiliate\w*|webinar|conference|summit|speak(?:er|ing)?|invit\w*|"
    r"sponsor\w*|donat\w*|collaborat\w*|press|journalist|interview|survey",
    "contact": r"phone number|call (?:you|me|us)|your office|in person|"
    r"talk to (?:someone|a person|a human|sales)|opening hours|business hours|chat hours",
    "feedback": r"feedback|keep it up|great job|well done|love (?:your|the) (?:app|product|tool)|two cents|"
    r"just (?:fyi|wanted to (?:say|flag|let you know))|complain\w*",
}
_CUE = re.compile(
    r"\b(?:" + "|".join(f"(?P<cue_{name}>{spelling})" for name, spelling in _CUES.items()) + r")\b"
)
_ENGLISH = {form: english for english, forms in _GLOSSARY.items() for form in forms.split()}
_WORD = re.compile(r"[a-z]+")


def gloss(text: str) -> str:
    """The English words of the text's Italian support vocabulary, space separated ("" when there is none)."""
    found = _ENGLISH.keys() & set(_WORD.findall(text))
    return " ".join(sorted({_ENGLISH[form] for form in found}))


def cues(text: str) -> str:
    """The cue tokens of the phrases found in the text, space separated ("" when there is none)."""
    return " ".join(sorted({str(match.lastgroup) for match in _CUE.finditer(text)}))
