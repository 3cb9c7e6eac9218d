"""The market: an AR(1) log-demand shock that moves every customer's revenue alike.

It gives the counterfactual's profit the quarter-to-quarter noise against which a programme's gain
must be detectable (DESIGN.md 2.4). A run and its counterfactual draw the same uniforms, so they
see the same market (common random numbers). The normal shock comes from the week's uniform draw by
the inverse normal CDF, compiled here so the whole week can run in numba.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def demand(market, uniform, persistence, volatility):
    """Next log-demand m' = persistence x m + volatility x z, z = Phi^-1(uniform); returns m'."""
    z = normal_quantile(min(max(uniform, 1e-12), 1.0 - 1e-12))
    return persistence * market + volatility * z


@njit(cache=True)
def normal_quantile(p):
    """Standard normal quantile, Wichura (1988) AS241, as in CPython's statistics.NormalDist."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        # Hash sum: 55.88319_28806_14901_4439
        num = (
            (
                (
                    (
                        (
                            (
                                (2.50908_09287_30122_6727e3 * r + 3.34305_75583_58812_8105e4) * r
                                + 6.72657_70927_00870_0853e4
                            )
                            * r
                            + 4.59219_53931_54987_1457e4
                        )
                        * r
                        + 1.37316_93765_50946_1125e4
                    )
                    * r
                    + 1.97159_09503_06551_4427e3
                )
                * r
                + 1.33141_66789_17843_7745e2
            )
            * r
            + 3.38713_28727_96366_6080e0
        ) * q
        den = (
            (
                (
                    (
                        (
                            (5.22649_52788_52854_5610e3 * r + 2.87290_85735_72194_2674e4) * r
                            + 3.93078_95800_09271_0610e4
                        )
                        * r
                        + 2.12137_94301_58659_5867e4
                    )
                    * r
                    + 5.39419_60214_24751_1077e3
                )
                * r
                + 6.87187_00749_20579_0830e2
            )
            * r
            + 4.23133_30701_60091_1252e1
        ) * r + 1.0
        x = num / den
        return x
    r = p if q <= 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r = r - 1.6
        # Hash sum: 49.33206_50330_16102_89036
        num = (
            (
                (
                    (
                        (
                            (7.74545_01427_83414_07640e-4 * r + 2.27238_44989_26918_45833e-2) * r
                            + 2.41780_72517_74506_11770e-1
                        )
                        * r
                        + 1.27045_82524_52368_38258e0
                    )
                    * r
                    + 3.64784_83247_63204_60504e0
                )
                * r
                + 5.76949_72214_60691_40550e0
            )
            * r
            + 4.63033_78461_56545_29590e0
        ) * r + 1.42343_71107_49683_57734e0
        den = (
            (
                (
                    (
                        (
                            (1.05075_00716_44416_84324e-9 * r + 5.47593_80849_95344_94600e-4) * r
                            + 1.51986_66563_61645_71966e-2
                        )
                        * r
                        + 1.48103_97642_74800_74590e-1
                    )
                    * r
                    + 6.89767_33498_51000_04550e-1
                )
                * r
                + 1.67638_48301_83803_84940e0
            )
            * r
            + 2.05319_16266_37758_82187e0
        ) * r + 1.0
    else:
        r = r - 5.0
        # Hash sum: 47.52583_31754_92896_71629
        num = (
            (
                (
                    (
                        (
                            (2.01033_43992_92288_13265e-7 * r + 2.71155_55687_43487_57815e-5) * r
                            + 1.24266_09473_88078_43860e-3
                        )
                        * r
                        + 2.65321_89526_57612_30930e-2
                    )
                    * r
                    + 2.96560_57182_85048_91230e-1
                )
                * r
                + 1.78482_65399_17291_33580e0
            )
            * r
            + 5.46378_49111_64114_36990e0
        ) * r + 6.65790_46435_01103_77720e0
        den = (
            (
                (
                    (
                        (
                            (2.04426_31033_89939_78564e-15 * r + 1.42151_17583_16445_88870e-7) * r
                            + 1.84631_83175_10054_68180e-5
                        )
                        * r
                        + 7.86869_13114_56132_59100e-4
                    )
                    * r
                    + 1.48753_61290_85061_48525e-2
                )
                * r
                + 1.36929_88092_27358_05310e-1
            )
            * r
            + 5.99832_20655_58879_37690e-1
        ) * r + 1.0
    x = num / den
    if q < 0.0:
        x = -x
    return x
