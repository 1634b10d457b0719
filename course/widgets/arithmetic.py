"""Figures and the dashboard of the arithmetic module (notebook 11).

The answer law and its tail are exact (:mod:`course.arithmetic`, numpy only, a redraw in milliseconds); the
network figures draw a cached ``course.arithmetic_net.run_arithmetic`` result and compute nothing.
"""

from __future__ import annotations

import numpy as np

from .. import arithmetic
from ..plots import COLORS, finish, theory_vs_simulation
from .core import Dashboard, make_control

__all__ = ["draw_answer_law", "draw_tail_cut", "draw_verification", "answer_law_dashboard"]

_CONTROLS = arithmetic.CONTROLS


def draw_answer_law(ax, *, n_max=60, k=6):
    """``P(gcd = g)`` counted exactly on ``{1..N}^2`` (markers) against ``6/(pi^2 g^2)`` (dashed), the tail beyond ``k`` shaded."""
    n_max = _CONTROLS["n_max"].validate(n_max)
    k = _CONTROLS["k"].validate(k)
    law = arithmetic.answer_law(n_max)
    g = np.arange(1, n_max + 1)
    seen = law > 0
    theory_vs_simulation(ax, g[seen], law[seen], arithmetic.zipf_law(g[seen]), label="P(gcd = g)", color=COLORS[0])
    ax.axvspan(k + 0.5, n_max + 0.5, color=COLORS[1], alpha=0.12, lw=0,
               label=f"tail cut: answers above k = {k}")
    tail = arithmetic.tail_mass(n_max, k)
    finish(ax, xlabel="answer g = gcd(a, b)", ylabel="probability", loglog=True,
           title=f"GCD answers of pairs uniform on 1..{n_max}: a Zipf law, β = 2")
    return f"N={n_max}, k={k}: tail mass R_k = P(gcd > k) = {tail:.4f} (large-N estimate 6/(π²k) = {6 / (np.pi**2 * k):.4f})"


def _result(result):
    from ..arithmetic_net import Arithmetic

    if not isinstance(result, Arithmetic):
        raise TypeError(f"result must be what arithmetic_net.run_arithmetic returns, got {type(result).__name__}.")
    return result


def draw_tail_cut(ax, result):
    """Test error against training size for each real fraction, with the plateau ``R_k`` of tail-cut data (dashed)."""
    result = _result(result)
    names = {0.0: "tail-cut synthetic only", 1.0: "real data only"}
    for i, (pi, row) in enumerate(zip(result.pis, result.error, strict=True)):
        ax.plot(result.sizes, row, "o-", color=COLORS[i], lw=1,
                label=names.get(float(pi), f"{pi:.0%} real, the rest tail-cut") + " (sim.)")
    ax.axhline(result.plateau, color=COLORS[0], ls="--", lw=1.2, label=f"plateau R_k = P(gcd > {result.k}) (theory)")
    finish(ax, xlabel="training pairs T", ylabel="test error (all N² pairs)", loglog=True,
           title=f"GCD network, operands 1..{result.n_max}, tail cut at k = {result.k}")
    synthetic, mixed = result.error[0, -1], result.error[-2, -1] if len(result.pis) > 2 else result.error[0, -1]
    return (f"T={result.sizes[-1]}: synthetic only {synthetic:.4f} (plateau {result.plateau:.4f}), "
            f"mixed {mixed:.4f}, real {result.error[-1, -1]:.4f}")


def draw_verification(ax, result):
    """Test error of the student behind each verifier (bars), against its generator (solid line)."""
    from ..arithmetic_net import VERIFIED_SETS

    result = _result(result)
    errors = [result.verification[name]["error"] for name in VERIFIED_SETS]
    ax.barh(np.arange(len(errors)), errors, color=[COLORS[i] for i in range(len(errors))])
    ax.set_yticks(np.arange(len(errors)), [name.replace(", ", ",\n") for name in VERIFIED_SETS])
    ax.invert_yaxis()
    ax.axvline(result.generator, color="k", lw=1.2, label=f"generator ({result.generator:.3f})")
    finish(ax, xlabel="student test error (all N² pairs)", ylabel="student trained on",
           title=f"students of a generator trained on {result.t0} real pairs")
    best = result.verification["best of K, exact check"]["error"]
    return (f"generator {result.generator:.4f}; unverified {errors[0]:.4f}; exact check {errors[2]:.4f}; "
            f"best of K {best:.4f}")


def answer_law_dashboard(n_max=60, k=6):
    """The GCD answer law and its tail: operand range ``N`` and tail cut ``k``."""
    controls = {"n_max": make_control(_CONTROLS["n_max"], n_max), "k": make_control(_CONTROLS["k"], k)}
    return Dashboard(lambda ax, **v: draw_answer_law(ax, **v), controls)


# The module's key figures for `python -m course reproduce` (course/reproduce.py); the network's figures are in
# reproduce.EXTRA_FIGURES (they need PyTorch).
KEY_FIGURES = [
    ("gcd_answer_law", draw_answer_law),
]
