"""Survey takeaways in French, and the Wilson intervals that decide what they may claim.

A takeaway states a share only from ``privacy.threshold()`` answers up (« under 5 answers, no
percentage »), and calls two groups different only when their 95 % Wilson intervals do not
overlap (a conservative test: non-overlapping intervals imply a significant difference).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from observatory import formats, privacy

Z95 = 1.959963984540054  # the normal quantile of a two-sided 95 % interval


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``k`` successes out of ``n`` (0–1); (0, 1) for ``n = 0``.

    Unlike the normal approximation it stays within [0, 1] and is honest for small ``n`` and
    shares near 0 or 1 (Wilson 1927; Brown, Cai & DasGupta 2001)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def pct(share: float) -> str:
    """``0.636`` → ``64 %`` (a whole percent: a survey's shares claim no more)."""
    return formats.percent(share)


def enough(n: int) -> bool:
    """Whether ``n`` answers may be given as a share."""
    return n >= privacy.threshold()


def quoted(option: str) -> str:
    return f"«{formats.NNBSP}{option}{formats.NNBSP}»"


def joined(parts: Sequence[str], last: str = "et") -> str:
    """``a``, ``a et b``, ``a, b et c``."""
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {last} {parts[-1]}"


def of(k: int, n: int) -> str:
    """``(63 répondants sur 99)``."""
    return f"({formats.number(k)} répondant{'s' if k > 1 else ''} sur {formats.number(n)})"


def respondents(n: int) -> str:
    return f"{formats.number(n)} répondant{'s' if n > 1 else ''}"


def too_few(n: int) -> str:
    """What a takeaway says of too few answers: no share (the count is the staff's only)."""
    return (f"{respondents(n)} : trop peu de réponses pour donner une part (moins de "
            f"{privacy.threshold()}).")


# -- a yes/no question as a statement ---------------------------------------------------------
# Second person plural → third person plural of the verbs survey questions begin with.
_PLURAL = {"avez": "ont", "êtes": "sont", "faites": "font", "pouvez": "peuvent",
           "voulez": "veulent", "seriez": "seraient", "pourriez": "pourraient",
           "connaissez": "connaissent", "prévoyez": "prévoient", "recevez": "reçoivent",
           "disposez": "disposent"}
_ASKED = re.compile(r"^(?P<verb>[A-Za-zÀ-ÿ]+)-vous\s+(?P<rest>.+?)\s*\?$")
_SUBJECT = re.compile(
    r"^(?P<subject>(?:Votre|La|Le|L')\s*[\wÀ-ÿ'-]+(?:\s+[\wÀ-ÿ'-]+)?)\s+"
    r"(?P<verb>[a-zà-ÿ]+)-(?:t-)?(?:elle|il)\s+(?P<rest>.+?)\s*\?$")
_VOWEL = re.compile(r"^[aeiouyhâàéèêëîïôûù]", re.IGNORECASE)


def _third_plural(verb: str) -> str | None:
    low = verb.lower()
    if low in _PLURAL:
        return _PLURAL[low]
    if low.endswith("ez") and len(low) > 3:  # souhaitez → souhaitent, participez → participent
        return low[:-2] + "ent"
    return None


def _reflexive(rest: str) -> str:
    """« vous impliquer dans… » → « s'impliquer dans… »; « vos », « votre » → « leurs », « leur »."""
    if rest.startswith("vous "):
        verb = rest[5:]
        rest = ("s'" if _VOWEL.match(verb) else "se ") + verb
    rest = re.sub(r"\bvos\b", "leurs", rest)
    return re.sub(r"\bvotre\b", "leur", rest)


def statement(question: str) -> str | None:
    """What « oui » means, said of the respondents: « Souhaitez-vous vous impliquer dans la
    gouvernance ? » → « souhaitent s'impliquer dans la gouvernance »; « Votre équipe
    participe-t-elle à… ? » → « indiquent que leur équipe participe à… ». None for other forms
    (the takeaway then says « répondent oui »)."""
    text = " ".join(str(question).split())
    if (m := _ASKED.match(text)) and (verb := _third_plural(m.group("verb"))):
        if m.group("verb").lower() in ("êtes", "seriez"):
            return None  # an attribute would need its plural agreement: not guessed
        return f"{verb} {_reflexive(m.group('rest'))}"
    if m := _SUBJECT.match(text):
        subject = m.group("subject")
        subject = "leur " + subject[6:] if subject.startswith("Votre ") else \
            subject[0].lower() + subject[1:]
        rest = m.group("rest")
        return f"indiquent que {subject} {m.group('verb')} {rest}"
    return None


def yes_no(question: str, yes: int, n: int) -> tuple[str, str, str]:
    """(big number, what it is, takeaway) of a yes/no question."""
    if not enough(n):
        return "", "", too_few(n)
    share = yes / n
    said = statement(question)
    text = f"{pct(share)} {said}" if said else f"{pct(share)} répondent oui"
    return pct(share), "oui", f"{text} {of(yes, n)}."


def scale(positive: Sequence[str], k_pos: int, negative: Sequence[str], k_neg: int,
          n: int) -> tuple[str, str, str]:
    """(big number, what it is, takeaway) of a scale: the share on its positive side."""
    if not enough(n):
        return "", "", too_few(n)
    pos = joined([quoted(o) for o in positive], "ou")
    neg = joined([quoted(o) for o in negative], "ou")
    text = f"{pct(k_pos / n)} répondent {pos} {of(k_pos, n)}"
    if negative:
        text += f", {pct(k_neg / n)} {neg}"
    return pct(k_pos / n), f"côté favorable : {pos}", text + "."


def single(top: Sequence[tuple[str, int]], n: int) -> tuple[str, str, str]:
    """The most frequent answer of a single-choice question (several on a tie)."""
    if not enough(n) or not top:
        return "", "", too_few(n)
    k = top[0][1]
    first = [o for o, c in top if c == k]
    if len(first) > 1:
        names = joined([quoted(o) for o in first])
        return pct(k / n), "ex æquo", (f"{names} arrivent ex æquo en tête, {pct(k / n)} "
                                       f"chacune ({formats.number(k)} répondants chacune sur "
                                       f"{formats.number(n)}).")
    return pct(k / n), quoted(first[0]), (f"Réponse la plus fréquente : {quoted(first[0])}, "
                                          f"{pct(k / n)} {of(k, n)}.")


def multiple(top: Sequence[tuple[str, int]], n: int) -> tuple[str, str, str]:
    """The three answers chosen most often (several answers each)."""
    if not enough(n) or not top:
        return "", "", too_few(n)
    three = list(top[:3])
    items = joined([f"{quoted(o)} ({pct(k / n)})" for o, k in three])
    head = "En tête" if len(three) > 1 else "Réponse la plus choisie"
    return pct(three[0][1] / n), quoted(three[0][0]), (
        f"{head} : {items}, sur {respondents(n)} (plusieurs réponses possibles).")


def _value(x: float) -> str:
    return formats.number(x, 0 if float(x).is_integer() else 1)


def number(n: int, q1: float, median: float, q3: float, lo: float, hi: float, n_lo: int,
           n_hi: int) -> tuple[str, str, str]:
    """The median and the middle half of a number question; the whole range only when each
    extreme was given by enough respondents (a lone maximum is one respondent's answer,
    which the histogram masks too)."""
    if not enough(n):
        return "", "", too_few(n)
    text = (f"Médiane : {_value(median)} ; la moitié des réponses entre {_value(q1)} et "
            f"{_value(q3)}")
    if enough(n_lo) and enough(n_hi) and hi > lo:
        text += f", toutes entre {_value(lo)} et {_value(hi)}"
    return _value(median), "médiane", f"{text} ({respondents(n)})."


def difference(groups: Sequence[tuple[str, int, int]], what: str, by: str) -> str:
    """Whether the share of ``what`` differs between groups (``label, k, n`` each): only the
    groups with enough answers are compared; the highest against the lowest, and called a
    difference only when their Wilson intervals do not overlap."""
    usable = [(g, k, n) for g, k, n in groups if enough(n)]
    if len(usable) < 2:
        return (f"Comparaison par {by} impossible : moins de deux groupes d'au moins "
                f"{privacy.threshold()} répondants.")
    ranked = sorted(usable, key=lambda g: (-g[1] / g[2], g[0]))
    (top, k1, n1), (low, k2, n2) = ranked[0], ranked[-1]
    if wilson(k1, n1)[0] > wilson(k2, n2)[1]:
        return (f"Écart net par {by} pour {what} : {pct(k1 / n1)} pour {top} contre "
                f"{pct(k2 / n2)} pour {low} (intervalles de confiance à 95 % disjoints).")
    return (f"Pas d'écart net par {by} pour {what} : de {pct(k2 / n2)} à {pct(k1 / n1)}, "
            "des écarts que le hasard de l'échantillon suffit à expliquer (intervalles de "
            "confiance à 95 % qui se recouvrent).")
