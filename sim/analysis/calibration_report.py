"""The calibration's report.md: targets, fit, the final runs by ordering, and the mix figures'
sensitivity to the technology-first share (issue 11, item 10).

Formatting only: sim.analysis.calibration runs the search and hands its result here.
"""

from __future__ import annotations

from typing import Any

#: technology-first shares of the sensitivity table in the report (issue 11, item 10)
TF_SHARES = (0.3, 0.4, 0.5, 0.6, 0.7)


def tf_share_rows(by_variant: dict, weights: dict[str, float], shares=TF_SHARES) -> list[dict]:
    """The mix figures if technology first had share ``w`` (the others keep their proportions).

    Exact reweighting of the final runs' per-ordering rates: the mix draws one ordering per
    organisation, so a mix with other weights is the same per-ordering rates, weighted anew.
    """
    tf = "technology_first"
    if tf not in by_variant or any(k not in by_variant for k in weights):
        return []
    others = {k: w for k, w in weights.items() if k != tf}
    total = sum(others.values())
    rows = []
    for share in shares:
        row = {"share": share}
        for metric in ("never_live", "failed", "measurable_gain"):
            rate = share * by_variant[tf][metric] / by_variant[tf]["n"]
            for k, w in others.items():
                rate += (1 - share) * w / total * by_variant[k][metric] / by_variant[k]["n"]
            row[metric] = rate
        rows.append(row)
    return rows


def format_report(spec: Any, result: dict, n_tried: int) -> str:
    """The report's Markdown (``spec``: a sim.analysis.calibration.CalibrationSpec)."""
    lines = [
        f"# Calibration report: {spec.name}",
        "",
        f"Scenario `{spec.scenario.name}`; {n_tried} evaluations; final point on "
        f"{result['n']} runs. Distance {result['distance']:.3f}; inside every band: "
        f"{'yes' if result['inside_bands'] else 'NO'}.",
        "",
        "| figure | target | accepted | achieved | Wilson 95% |",
        "|---|---|---|---|---|",
    ]
    for name, t in spec.targets.items():
        p, lo, hi = result["intervals"][name]
        lines.append(
            f"| {name} | {t['target']:.0%} | {t['low']:.0%} to {t['high']:.0%} | "
            f"{p:.1%} | {lo:.1%} to {hi:.1%} |"
        )
    lines += ["", "| parameter | fitted | bounds |", "|---|---|---|"]
    for key, v in result["parameters"].items():
        lo, hi = spec.parameters[key]
        lines.append(f"| {key} | {v:.4g} | {lo:g} to {hi:g} |")
    by_variant = result.get("by_variant") or {}
    if by_variant:
        lines += [
            "",
            "## The final runs by ordering",
            "",
            "| ordering | weight | runs | never live | abandoned | failed | measurable gain |",
            "|---|---|---|---|---|---|---|",
        ]
        weights = result.get("weights") or {}
        for name, c in sorted(by_variant.items(), key=lambda kv: -weights.get(kv[0], 0)):
            n = c["n"]
            lines.append(
                f"| {name} | {weights.get(name, float('nan')):.2f} | {n} | "
                f"{c['never_live'] / n:.1%} | {c['abandoned'] / n:.1%} | {c['failed'] / n:.1%} | "
                f"{c['measurable_gain'] / n:.1%} |"
            )
        rows = tf_share_rows(by_variant, weights)
        if rows:
            lines += [
                "",
                "## Sensitivity to the technology-first share",
                "",
                "The three mix figures if technology first had another share of the mix (the other "
                "orderings keep their relative weights), by exact reweighting of the final runs' "
                "per-ordering rates above (each ordering's own sampling noise included).",
                "",
                "| technology-first share | never live | failed | measurable gain |",
                "|---|---|---|---|",
            ]
            for r in rows:
                lines.append(
                    f"| {r['share']:.1f} | {r['never_live']:.1%} | {r['failed']:.1%} | "
                    f"{r['measurable_gain']:.1%} |"
                )
    return "\n".join(lines) + "\n"
