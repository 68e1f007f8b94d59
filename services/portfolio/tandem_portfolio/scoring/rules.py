"""Scoring arithmetic without I/O: weighted criteria on a 0–100 scale, WSJF and RICE, each with its explanation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("weighted", "wsjf", "rice")
SCALE = 10.0  # weighted criteria are judged 0–10
WEIGHTED_CRITERIA = ("strategic_alignment", "value", "risk", "urgency")
INVERTED = frozenset({"risk"})  # lower risk scores higher
MAX_CONTRIBUTION = 5  # a project's contribution to an objective is 0–5
WEIGHTED_FORMULA = "score = 100 × Σ_k (w_k / Σw) × s_k / 10, s_k = input_k (risk: 10 − input)"
WSJF_FORMULA = "score = (business_value + time_criticality + risk_reduction) / job_size"
RICE_FORMULA = "score = reach × impact × (confidence / 100) / effort"
ALIGNMENT_FORMULA = "strategic_alignment = 10 × Σ_o weight_o × contribution_o / (5 × Σ weight of active objectives)"
WSJF_INPUTS = ("business_value", "time_criticality", "risk_reduction", "job_size")
RICE_INPUTS = ("reach", "impact", "confidence", "effort")


@dataclass(frozen=True)
class Term:
    """One input's part in a score: its value, weight and normalised value where the kind has them, and what it
    adds (weighted, WSJF) or how it multiplies (RICE)."""

    name: str
    input: float
    weight: float | None = None
    share: float | None = None  # w / Σw
    normalised: float | None = None  # 0–1, after inversion
    contribution: float | None = None
    role: str | None = None  # "adds", "divides", "multiplies"


@dataclass(frozen=True)
class Score:
    """A score and how it came about; `score` is None when inputs are missing."""

    kind: str
    score: float | None
    formula: str
    terms: tuple[Term, ...] = ()
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def explanation(self) -> dict[str, Any]:
        """The stored explanation: formula, terms, missing inputs, notes."""
        return {"kind": self.kind, "formula": self.formula, "score": self.score,
                "terms": [{k: v for k, v in asdict(term).items() if v is not None} for term in self.terms],
                "missing": list(self.missing), "notes": list(self.notes)}


def _round(value: float) -> float:
    # Scores are compared and ranked: keep float noise (0.1 + 0.2) out of ties.
    return round(value, 9) + 0.0


def alignment(contributions: list[tuple[float, float]], total_weight: float) -> float | None:
    """0–10 from (objective weight, contribution 0–5) pairs against the weight of every active objective."""
    if total_weight <= 0:
        return None
    return SCALE * sum(weight * contribution for weight, contribution in contributions) / (
        MAX_CONTRIBUTION * total_weight)


def _known(inputs: Mapping[str, float | None]) -> dict[str, float]:
    return {name: float(value) for name, value in inputs.items() if value is not None}


def weighted(weights: Mapping[str, float], inputs: Mapping[str, float | None]) -> Score:
    """100 × the weighted mean of the criteria on 0–10 (risk inverted); criteria with weight 0 are left out."""
    known = _known(inputs)
    used = [(name, float(weights[name])) for name in WEIGHTED_CRITERIA if weights.get(name, 0) > 0]
    missing = tuple(name for name, _ in used if name not in known)
    if not used or missing:
        return Score("weighted", None, WEIGHTED_FORMULA, missing=missing or ("weights",))
    total = sum(weight for _, weight in used)
    terms = []
    for name, weight in used:
        value = known[name]
        normalised = (SCALE - value if name in INVERTED else value) / SCALE
        terms.append(Term(name, value, weight=weight, share=_round(weight / total), normalised=_round(normalised),
                          contribution=_round(100 * weight / total * normalised), role="adds"))
    notes = ("risk is inverted: s = 10 − risk",) if any(name in INVERTED for name, _ in used) else ()
    return Score("weighted", _round(sum(t.contribution or 0 for t in terms)), WEIGHTED_FORMULA, tuple(terms),
                 notes=notes)


def wsjf(inputs: Mapping[str, float | None]) -> Score:
    """Cost of delay (business value + time criticality + risk reduction) over job size."""
    known = _known(inputs)
    missing = tuple(name for name in WSJF_INPUTS if name not in known)
    if missing:
        return Score("wsjf", None, WSJF_FORMULA, missing=missing)
    size = known["job_size"]
    if size <= 0:
        raise ValueError("job_size must be above 0")
    terms = [Term(name, known[name], contribution=_round(known[name] / size), role="adds") for name in WSJF_INPUTS[:3]]
    cost_of_delay = sum(term.input for term in terms)
    terms.append(Term("job_size", size, role="divides"))
    return Score("wsjf", _round(cost_of_delay / size), WSJF_FORMULA, tuple(terms),
                 notes=(f"cost of delay = {_round(cost_of_delay)}",))


def rice(inputs: Mapping[str, float | None]) -> Score:
    """Reach × impact × confidence (a percentage) over effort."""
    known = _known(inputs)
    missing = tuple(name for name in RICE_INPUTS if name not in known)
    if missing:
        return Score("rice", None, RICE_FORMULA, missing=missing)
    reach, impact, confidence, effort = (known[name] for name in RICE_INPUTS)
    if effort <= 0:
        raise ValueError("effort must be above 0")
    terms = (Term("reach", reach, role="multiplies"), Term("impact", impact, role="multiplies"),
             Term("confidence", confidence, normalised=confidence / 100, role="multiplies"),
             Term("effort", effort, role="divides"))
    return Score("rice", _round(reach * impact * confidence / 100 / effort), RICE_FORMULA, terms)


def score(kind: str, weights: Mapping[str, float], inputs: Mapping[str, float | None]) -> Score:
    """The score of one project's inputs under a model of this kind."""
    if kind == "weighted":
        return weighted(weights, inputs)
    if kind == "wsjf":
        return wsjf(inputs)
    if kind == "rice":
        return rice(inputs)
    raise ValueError(f"unknown scoring kind {kind!r}; known: {', '.join(KINDS)}")
