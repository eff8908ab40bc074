"""Period life tables from central death rates.

Pure functions, vectorised over any leading axes (e.g. region x sex); the last axis is age.

Conventions (Preston, Heuveline & Guillot 2001, ch. 3):

* ``qx = mx / (1 + (1 - ax) mx)`` (eq. 3.5), capped at 1;
* ``ax = 0.5`` for single years 1..99, and ``ax = n/2`` for abridged groups 5+;
* infants: ``a0`` from Andreev & Kingkade (2015), "Average age at death in infancy and
  infant mortality level: reconsidering the Coale-Demeny formulas at current levels of low
  mortality", Demographic Research 33(13):363-390, Table 3 (the rule WPP uses); for the
  abridged 1-4 group, ``1a4`` from Coale & Demeny (1983) as tabulated by Preston et al.
  (2001), Table 3.3;
* open age group ``w+``: ``Lw = lw / mw`` (eq. 3.12), so ``ew = 1 / mw``.
"""
from __future__ import annotations

import numpy as np

from ..base.errors import OloyInputError

RADIX = 1.0


def a0_andreev_kingkade(m0: np.ndarray, sex: np.ndarray | str) -> np.ndarray:
    """Mean years lived in the first year by infants who die, ``a0`` [years].

    Parameters
    ----------
    m0 : array [deaths per person-year]
        Infant central death rate.
    sex : "female" | "male" or array of those, broadcastable to ``m0``

    Notes
    -----
    Andreev & Kingkade (2015), Table 3 (segmented linear in m0).
    """
    m0 = np.asarray(m0, dtype=float)
    male = np.asarray(sex) == "male"
    a_male = np.where(m0 >= 0.08307, 0.29915, np.where(m0 >= 0.023, 0.02832 + 3.26201 * m0, 0.14929 - 1.99545 * m0))
    a_female = np.where(m0 >= 0.06891, 0.31411, np.where(m0 >= 0.01724, 0.04667 + 3.88089 * m0, 0.14903 - 2.05527 * m0))
    return np.where(male, a_male, a_female)


def a1_4_coale_demeny(m0: np.ndarray, sex: np.ndarray | str) -> np.ndarray:
    """Mean years lived in ages 1-4 by those who die there, ``4a1`` [years].

    Coale & Demeny (1983) West model, as in Preston, Heuveline & Guillot (2001), Table 3.3.
    """
    m0 = np.asarray(m0, dtype=float)
    male = np.asarray(sex) == "male"
    a_male = np.where(m0 >= 0.107, 1.651, 1.859 - 3.013 * m0)
    a_female = np.where(m0 >= 0.107, 1.570, 1.522 - 1.518 * m0)
    return np.where(male, a_male, a_female)


def life_table(mx: np.ndarray, sex: np.ndarray | str, *, widths: np.ndarray | None = None,
               ax: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Life table columns from central death rates.

    Parameters
    ----------
    mx : array [deaths per person-year], shape (..., n_ages)
        Central death rates; the last age is the open group.
    sex : "female" | "male", or an array broadcastable to ``mx.shape[:-1]``
        Selects the infant (and 1-4) separation factors.
    widths : array [years], shape (n_ages,), optional
        Interval widths; default single years (all 1). The last entry is ignored (open).
        For an abridged table pass ``[1, 4, 5, 5, ..., 5, inf]``.
    ax : array [years], optional
        Separation factors; default as in the module docstring. Broadcast to ``mx``.

    Returns
    -------
    dict of arrays, each shaped like ``mx``
        ``mx, ax, qx, px, lx, dx, Lx, Tx, ex`` with radix ``l0 = 1``.
    """
    mx = np.asarray(mx, dtype=float)
    if np.any(~np.isfinite(mx)) or np.any(mx < 0):
        raise OloyInputError("life_table: mx must be finite and non-negative")
    n_ages = mx.shape[-1]
    n = np.ones(n_ages) if widths is None else np.asarray(widths, dtype=float).copy()
    n[-1] = 1.0  # placeholder: the open group is closed separately below
    sex_b = np.broadcast_to(np.asarray(sex), mx.shape[:-1])
    if ax is None:
        ax = np.broadcast_to(n / 2.0, mx.shape).copy()
        ax[..., 0] = a0_andreev_kingkade(mx[..., 0], sex_b)
        if n_ages > 1 and n[1] == 4:
            ax[..., 1] = a1_4_coale_demeny(mx[..., 0], sex_b)
    else:
        ax = np.broadcast_to(np.asarray(ax, dtype=float), mx.shape).copy()
    qx = np.clip(n * mx / (1.0 + (n - ax) * mx), 0.0, 1.0)
    qx[..., -1] = 1.0
    px = 1.0 - qx
    lx = RADIX * np.concatenate([np.ones(mx.shape[:-1] + (1,)), np.cumprod(px[..., :-1], axis=-1)], axis=-1)
    dx = lx * qx
    lx_next = np.concatenate([lx[..., 1:], np.zeros(mx.shape[:-1] + (1,))], axis=-1)
    Lx = n * lx_next + ax * dx
    # Open group: Lw = lw / mw; with mw = 0 the table cannot close.
    m_open = mx[..., -1]
    if np.any(m_open <= 0):
        raise OloyInputError("life_table: the open-age death rate must be positive")
    Lx[..., -1] = lx[..., -1] / m_open
    ax[..., -1] = 1.0 / m_open
    Tx = np.cumsum(Lx[..., ::-1], axis=-1)[..., ::-1]
    ex = np.divide(Tx, lx, out=np.zeros_like(Tx), where=lx > 0)
    return {"mx": mx, "ax": ax, "qx": qx, "px": px, "lx": lx, "dx": dx, "Lx": Lx, "Tx": Tx, "ex": ex}


def e0(mx: np.ndarray, sex: np.ndarray | str, **kwargs) -> np.ndarray:
    """Life expectancy at birth [years] from ``mx`` (see :func:`life_table`)."""
    return life_table(mx, sex, **kwargs)["ex"][..., 0]


ABRIDGED_STARTS = np.array([0, 1] + list(range(5, 101, 5)))


def abridged_widths(starts: np.ndarray = ABRIDGED_STARTS) -> np.ndarray:
    """Interval widths [years] for abridged ages ``0, 1, 5, ..., w+`` (open last = inf)."""
    return np.append(np.diff(starts), np.inf).astype(float)
