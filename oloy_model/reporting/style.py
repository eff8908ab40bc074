"""The fixed figure style: fonts (with Chinese), sizes, colours, deterministic saving.

Nothing here changes global ``rcParams``: figures are drawn inside :func:`figure_style`
(a ``matplotlib.rc_context``). The CJK font is Noto Sans CJK SC shipped by the ``mplfonts``
package (SIL Open Font Licence), registered with matplotlib's font manager by file path so
Chinese labels render the same on every machine, with no system font needed.
"""
from __future__ import annotations

import contextlib
import functools
import locale
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib import font_manager

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
DPI = 120
TEXT_LANGUAGE = "en"  # BCP 47; the glyph forms a C or English locale gives (see style_rc)
SCENARIO_COLOURS = {
    "baseline": "#1b1b1b", "three_child_support": "#d95f02", "no_three_child": "#7570b3",
    "low_fertility": "#1b9e77", "high_fertility": "#e7298a", "zero_migration": "#66a61e",
    "migration_taper": "#a6761d",
}
SEX_COLOURS = {"female": "#c0504d", "male": "#4f81bd"}


def cjk_font_path() -> Path:
    """Path of Noto Sans CJK SC inside the installed ``mplfonts`` package."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / CJK_FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"CJK font not found at {path}; reinstall the 'mplfonts' package")
    return path


@functools.lru_cache(maxsize=1)
def cjk_font_name() -> str:
    """Register the bundled CJK font and return its family name."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def load_fonts() -> None:
    """Register and open the fonts of the official figures (by measuring one label), before
    worker processes start: forked workers share the loaded fonts instead of each reading
    the 16 MB CJK file."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with figure_style():
        figure = Figure(figsize=(1, 1))
        FigureCanvasAgg(figure)
        figure.text(0.5, 0.5, "大理 Dali 0")
        figure.draw_without_rendering()


def style_rc() -> dict:
    """The rc settings every official figure is drawn with."""
    return {
        "font.family": [cjk_font_name(), "DejaVu Sans"],
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "legend.fontsize": 8,
        "legend.frameon": False,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "svg.hashsalt": "oloy_model",
        "svg.fonttype": "path",
        "axes.unicode_minus": False,
        # A fixed title height: matplotlib's automatic placement measures every tick label of
        # the axes at each draw (40% of a 12-panel figure's drawing time) only to move titles
        # above top-side tick labels or offset texts, which no official figure has.
        "axes.titley": 1.0,
        "path.simplify": False,
        # Without a language, text shaping (libraqm/HarfBuzz) takes it from the process locale,
        # so under zh_CN dashes and quotes get the font's Chinese glyphs: fix it for identical bytes.
        "text.language": TEXT_LANGUAGE,
    }


@functools.lru_cache(maxsize=1)
def fix_shaping_language() -> None:
    """Make text measurement independent of the locale (byte-identical figures everywhere).

    Matplotlib measures text without passing ``text.language`` on, so HarfBuzz falls back to
    its default language, read once per process from ``LC_CTYPE`` (a zh_CN locale sets dashes
    and quotes in other glyphs and widths). We shape one string while ``LC_CTYPE`` is
    ``C.UTF-8``, which fixes that cached default, and restore the locale at once. Text shaped in
    the same process before the first official figure (by the caller) may have fixed it first.
    """
    from matplotlib.ft2font import FT2Font

    previous = locale.setlocale(locale.LC_CTYPE)
    try:
        for name in ("C.UTF-8", "C"):
            try:
                locale.setlocale(locale.LC_CTYPE, name)
                break
            except locale.Error:
                continue
        FT2Font(str(cjk_font_path())).set_text("a \u2014 b", 0.0)
    finally:
        locale.setlocale(locale.LC_CTYPE, previous)


@contextlib.contextmanager
def figure_style():
    """Context in which official figures are created and saved."""
    fix_shaping_language()
    with plt.rc_context(style_rc()):
        yield


def save_figure(figure, path_stem: Path, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Save ``figure`` as ``path_stem.<fmt>`` with no timestamps (byte-reproducible)."""
    written = []
    fix_shaping_language()
    with plt.rc_context(style_rc()):
        for fmt in formats:
            path = path_stem.with_suffix("." + fmt)
            if fmt == "png":
                write_png(figure, path)
            else:
                figure.savefig(path, format=fmt, metadata={"Date": None})
            written.append(path)
            # The layout is now fixed: later formats reuse it instead of solving it again
            # (constrained layout measures every label, about 40% of a figure's drawing time).
            figure.set_layout_engine("none")
    return written


PNG_COLOURS = 256
# zlib level 8: measured on the main job's 70 distinct figures, 1.4 s of CPU against 3.6 s for
# level 9 (``optimize=True``), files 2.6% larger; level 7 would make them 11% larger.
PNG_COMPRESSION = 8


def solve_layout(figure) -> None:
    """Solve ``figure``'s layout (constrained layout) once and fix it.

    ``savefig`` would first draw the whole figure without output to place the axes, then draw
    it again; the layout engine needs only the text sizes, measured with an Agg renderer at
    the saving resolution, so the figure is drawn once (the same positions, one pass fewer).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = figure.get_layout_engine()
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine):
        return
    if figure.dpi != DPI:
        figure.set_dpi(DPI)
    FigureCanvasAgg(figure)
    engine.execute(figure)
    figure.set_layout_engine("none")


def write_png(figure, path: Path) -> None:
    """Draw ``figure`` once (Agg, :data:`DPI`) and write it as a 256-colour palette PNG.

    Charts have few colours, so the palette (Pillow's fast-octree quantiser, deterministic)
    keeps them sharp at about a third of the size of a full-colour PNG; the report embeds
    these files. No text chunks, so no time or software version in the bytes.
    """
    import io

    from PIL import Image

    solve_layout(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="rgba", dpi=DPI)
    width = int(figure.get_figwidth() * DPI)
    height = len(buffer.getvalue()) // (4 * width)
    image = Image.frombuffer("RGBA", (width, height), buffer.getvalue(), "raw", "RGBA", 0, 1).convert("RGB")
    image.quantize(colors=PNG_COLOURS, method=Image.Quantize.FASTOCTREE).save(path, format="PNG",
                                                                             compress_level=PNG_COMPRESSION)


def colour(scenario: str, index: int = 0) -> str:
    """A stable colour per scenario name (falls back to the tab10 cycle)."""
    return SCENARIO_COLOURS.get(scenario, plt.get_cmap("tab10")(index % 10))


def small_multiples(figure, panels: int, columns: int = 3, **kwargs):
    """A grid of ``panels`` axes, ``columns`` wide, as many rows as needed; spare cells hidden.

    Returns the (rows, columns) array of axes (``figure.subplots(..., squeeze=False)``); the
    grid follows the number of regions instead of a fixed 4 x 3 for Dali's 12 counties.
    """
    axes = figure.subplots(grid_rows(panels, columns), columns, squeeze=False, **kwargs)
    for ax in axes.flat[panels:]:
        ax.set_visible(False)
    for ax in bottom_axes(axes, panels):  # above a spare cell: shared x, so its tick labels were hidden
        ax.xaxis.set_tick_params(labelbottom=True)
    return axes


def bottom_axes(axes, panels: int) -> list:
    """The lowest used axes of each column of a :func:`small_multiples` grid (they carry the x labels)."""
    columns = axes.shape[1]
    return [axes[(panels - 1 - column) // columns, column] for column in range(min(columns, panels))]


def grid_rows(panels: int, columns: int = 3) -> int:
    """Rows of a ``columns``-wide grid holding ``panels`` axes (to size the figure)."""
    return max(1, -(-panels // columns))
