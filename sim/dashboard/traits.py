"""The client profile as a client would describe it: traits, each a centre with its spread.

A consultant asks how strong the sponsor is and how good the data are, not for
``profile.sponsor_strength``. :data:`TRAITS` maps each trait the client can answer for to the
parameter that is its centre (the organisation's value) and, where the model draws it per
organisation, the parameter that is its spread (how far simulated organisations like this one
differ), with a label in plain words and the words a client would use for low and high values.
Declared as data, as the page's other inputs are (:mod:`sim.dashboard.inputs`): the sidebar draws
a centre slider with its spread under it for every row, and the brief describes the profile from
the same rows (:func:`describe`).

Every other organisation parameter (``org.*``, ``profile.*``: network structure, attitude spread,
the complexity tail...) is a modeller's, shown in the collapsed "Advanced" group
(:func:`advanced_keys`), so a parameter added to the table appears there without a code change.

The words (``weak``, ``patchy`` ...) and their cut points are assumption: illustrative wording,
chosen so that each parameter's default reads as the middle word. The presets are a few typical
clients; their values are assumption: illustrative, not fitted to any firm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.model.params import PARAMS

#: Parameter-key prefixes of the organisation: traits and the advanced group are drawn from them.
ORGANISATION_PREFIXES = ("org.", "profile.")


@dataclass(frozen=True)
class Trait:
    """One trait of the client, in the client's words.

    Attributes:
        label: the trait in plain words.
        centre: dotted key of the organisation's value.
        spread: dotted key of how far simulated organisations differ around it (None: fixed).
        words: (upper bound, word) pairs in increasing order: a value reads as the first word whose
            bound it does not exceed (assumption: illustrative wording).
        question: what the consultant asks the client, shown under the label.
        unit: how the centre's value is written (a format string: ``"{:,} employees"``).
    """

    label: str
    centre: str
    spread: str | None
    words: tuple[tuple[float, str], ...]
    question: str
    unit: str = "{:g}"

    def word(self, value: float) -> str:
        """The client's word for ``value`` (``weak``, ``moderate``, ``strong`` ...)."""
        for bound, word in self.words:
            if value <= bound:
                return word
        return self.words[-1][1]


_UP = math.inf

#: The client's traits in the order a consultant asks about them (DESIGN.md 2.6: sponsor strength,
#: data maturity, change readiness, complexity, package fit, scope, budget realism; size).
TRAITS: tuple[Trait, ...] = (
    Trait(
        "Sponsor strength",
        "profile.sponsor_strength",
        "profile.sponsor_strength_spread",
        ((0.35, "weak"), (0.65, "moderate"), (_UP, "strong")),
        "How much authority, time and budget power the executive sponsor brings to the programme.",
    ),
    Trait(
        "Data maturity",
        "customer.completeness_initial",
        "profile.data_maturity_spread",
        ((0.2, "poor"), (0.45, "patchy"), (_UP, "good")),
        "How complete the customer records are before the CRM.",
    ),
    Trait(
        "Change readiness",
        "org.culture",
        "org.culture_spread",
        ((-0.2, "resistant"), (0.2, "neutral"), (_UP, "ready")),
        "Staff attitude to the change, from resistant (-1) to eager (+1).",
    ),
    Trait(
        "Technical complexity",
        "org.complexity",
        "org.complexity_sigma",
        ((0.6, "simple"), (1.5, "typical"), (_UP, "complex")),
        "How hard the systems and integrations are to build (about 1 is typical).",
    ),
    Trait(
        "Package fit",
        "profile.package_fit",
        "profile.package_fit_spread",
        ((0.35, "poor"), (0.65, "partial"), (_UP, "good")),
        "How much of the way the firm works the standard package covers.",
    ),
    Trait(
        "Scope of the first release",
        "profile.scope",
        "profile.scope_spread",
        ((0.35, "narrow"), (0.65, "broad"), (_UP, "the whole firm")),
        "How much of the organisation the first release changes.",
    ),
    Trait(
        "Budget realism",
        "profile.budget_realism",
        "profile.budget_realism_spread",
        ((0.7, "optimistic"), (0.95, "somewhat optimistic"), (_UP, "realistic")),
        "The budget as a share of what the plan really costs (1 = realistic).",
    ),
    Trait(
        "Size",
        "org.employees",
        None,
        ((60, "small"), (600, "mid-size"), (_UP, "large")),
        "Employees, managers included.",
        "{:,} employees",
    ),
    Trait(
        "Customers",
        "org.customers",
        None,
        ((1_000, "a few hundred"), (20_000, "thousands"), (_UP, "very many")),
        "Customers the organisation serves at the start.",
        "{:,} customers",
    ),
    Trait(
        "Staff turnover",
        "org.annual_turnover",
        None,
        ((0.2, "low"), (0.45, "typical for sales"), (_UP, "high")),
        "Share of employees replaced in a year.",
        "{:.0%} a year",
    ),
)


def traits() -> list[Trait]:
    """The traits whose centre (and spread, if any) this version's parameter table has.

    A renamed parameter hides its trait instead of breaking the page.
    """
    return [t for t in TRAITS if t.centre in PARAMS and (t.spread is None or t.spread in PARAMS)]


def trait_keys() -> set[str]:
    """Every key a trait row shows (centres and spreads)."""
    return {k for t in traits() for k in (t.centre, t.spread) if k}


def advanced_keys(exclude: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The modeller's organisation parameters: every ``org.*``/``profile.*`` key no trait shows.

    Args:
        exclude: keys shown elsewhere on the page (the levers).
    """
    shown = trait_keys() | set(exclude)
    return [k for k in PARAMS if k.startswith(ORGANISATION_PREFIXES) and k not in shown]


def describe(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The profile in words, one (label, text) per trait: ``("Sponsor strength", "weak (0.45 ±
    0.15)")`` for a trait drawn around a centre, ``("Size", "120 employees (mid-size)")`` for one
    that is fixed."""
    out = []
    for t in traits():
        centre = values.get(t.centre, PARAMS[t.centre].default)
        shown = t.unit.format(centre)
        if t.spread is None:
            out.append((t.label, f"{shown} ({t.word(float(centre))})"))
            continue
        spread = float(values.get(t.spread, PARAMS[t.spread].default))
        out.append((t.label, f"{t.word(float(centre))} ({shown} ± {spread:g})"))
    return out


@dataclass(frozen=True)
class Preset:
    """A typical client: trait centres set together (spreads keep the scenario's values).

    Attributes:
        name: what the consultant picks.
        values: dotted key -> value (keys missing from the parameter table are skipped).
        source: where the values come from.
    """

    name: str
    values: dict[str, Any]
    source: str = "assumption: illustrative"

    def applied(self, current: dict[str, Any]) -> dict[str, Any]:
        """``current`` with this preset's values (clipped to the table's bounds) on top."""
        out = dict(current)
        for key, value in self.values.items():
            p = PARAMS.get(key)
            if p is None:
                continue
            if p.low is not None:
                value = type(value)(min(max(value, p.low), p.high))
            out[key] = value
        return out


#: Typical clients (assumption: illustrative; not fitted to any firm). The first is the issue's
#: client: a 120-person B2B sales organisation with poor data and a weak executive sponsor.
PRESETS: tuple[Preset, ...] = (
    Preset(
        "B2B sales team: poor data, weak sponsor",
        {
            "org.employees": 120,
            "org.customers": 2_000,
            "profile.sponsor_strength": 0.25,
            "profile.sponsor_strength_spread": 0.1,
            "customer.completeness_initial": 0.12,
            "org.culture": -0.1,
            "org.complexity": 1.0,
            "profile.package_fit": 0.55,
            "profile.scope": 0.5,
            "profile.budget_realism": 0.8,
        },
    ),
    Preset(
        "Enterprise: committed sponsor, complex estate",
        {
            "org.employees": 600,
            "org.customers": 12_000,
            "profile.sponsor_strength": 0.85,
            "profile.sponsor_strength_spread": 0.1,
            "customer.completeness_initial": 0.4,
            "org.culture": 0.0,
            "org.complexity": 2.0,
            "profile.package_fit": 0.35,
            "profile.scope": 0.75,
            "profile.budget_realism": 0.7,
        },
    ),
    Preset(
        "Small firm, ready for change",
        {
            "org.employees": 40,
            "org.customers": 800,
            "profile.sponsor_strength": 0.75,
            "profile.sponsor_strength_spread": 0.1,
            "customer.completeness_initial": 0.35,
            "org.culture": 0.3,
            "org.complexity": 0.6,
            "profile.package_fit": 0.7,
            "profile.scope": 0.4,
            "profile.budget_realism": 0.95,
        },
    ),
)


def client_phrase(values: dict[str, Any]) -> str:
    """The client in one phrase, e.g. ``a mid-size organisation (120 employees) with a weak sponsor
    and poor data``, naming the staff when they are resistant or ready (a consultant's insurer
    with resistant staff read as if its staff did not matter): what the brief is titled for."""
    by_key = {t.centre: t for t in traits()}

    def word(key: str) -> str | None:
        t = by_key.get(key)
        return t.word(float(values.get(key, PARAMS[key].default))) if t else None

    size = word("org.employees")
    employees = values.get("org.employees", PARAMS["org.employees"].default)
    head = f"a {size} organisation ({employees:,} employees)" if size else "an organisation"
    tail = [
        f"{w} {noun}"
        for key, noun in (
            ("profile.sponsor_strength", "sponsor"),
            ("customer.completeness_initial", "data"),
        )
        if (w := word(key))
    ]
    staff = word("org.culture")
    if staff and staff != "neutral":  # staff resistant to (or ready for) the change: the story
        tail.append(f"{staff} staff")
    if not tail:
        return head
    listed = tail[0] if len(tail) == 1 else f"{', '.join(tail[:-1])} and {tail[-1]}"
    return f"{head} with {'a ' if tail[0].endswith('sponsor') else ''}{listed}"
