"""The model's names that readers need without the model: traits, states and weekly series.

Kept apart from the compiled modules (which import numba) so that reading a scenario, an outcome's
fields or a results table (``crmsim validate``, the report, the dashboard's first page) loads
neither numba nor Mesa. The compiled modules import these names from here.
"""

from __future__ import annotations

#: The profile traits of an organisation, in the order they are reported (outcome fields;
#: sim.model.population draws them).
TRAITS = (
    "change_readiness",
    "complexity",
    "package_fit",
    "scope",
    "data_maturity",
    "sponsor_strength",
    "budget_realism",
)

#: The programme's states; the programme's record stores the index (sim.model.program_week).
STATE_NAMES = ("planned", "live", "cancelled", "abandoned")
PLANNED, LIVE, CANCELLED, ABANDONED = STATE_NAMES

#: The model-level series, one row a week, in this order (the DataCollector's model reporters;
#: sim.model.week writes them).
SERIES = (
    "adoption",
    "attitude",
    "skill",
    "data_quality",
    "readiness_planning",
    "readiness_people",
    "readiness_process",
    "readiness_platform",
    "fit",
    "commitment",
    "benefit",
    "productivity",
    "workarounds",
    "csat",
    "active_customers",
    "churned",
    "revenue",
    "cost",
    "spend",
    "live",
    "web_share",
)
