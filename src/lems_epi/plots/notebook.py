"""Figures that show wherever a notebook is read: JupyterLab, Notebook, VS Code, HTML exports.

Plotly's default renderer in a Jupyter kernel writes only the
``application/vnd.plotly.v1+json`` output, which JupyterLab draws but a static viewer, an
nbconvert HTML export or a documentation page does not. :func:`setup_notebook` makes every
figure write that output *and* an HTML output that draws itself with a copy of plotly.js
embedded once per notebook, so the figures show offline in every front end.
"""

from __future__ import annotations

__all__ = ["NOTEBOOK_RENDERER", "setup_notebook"]

#: name under which :func:`setup_notebook` registers its HTML renderer with plotly
NOTEBOOK_RENDERER = "lems_epi_notebook"


_RESIZE_ON_LOAD = ("window.addEventListener('load', function () {"
                   " var gd = document.getElementById('{plot_id}');"
                   " if (gd) { Plotly.Plots.resize(gd); } });")


def _offline_renderer():
    """An HTML renderer that embeds plotly.js once and never fetches anything (no MathJax CDN)."""
    from plotly.io import to_html
    from plotly.io.base_renderers import HtmlRenderer

    class OfflineNotebookRenderer(HtmlRenderer):
        def __init__(self):
            super().__init__(connected=False, full_html=False, global_init=True,
                             include_plotlyjs=False)

        def to_mimebundle(self, fig_dict):
            # a page's inline script draws before the rest of the page is laid out (a docs
            # sidebar, say): redraw at the container's width once the page has loaded
            html = to_html(fig_dict, config={**self.config, "responsive": True},
                           include_plotlyjs=False, include_mathjax=False, full_html=False,
                           default_width="100%", default_height=525, validate=False,
                           post_script=[_RESIZE_ON_LOAD])
            return {"text/html": html}

    return OfflineNotebookRenderer()


def setup_notebook() -> str:
    """Make plotly figures show in every notebook front end and in HTML exports, offline.

    Call it once, in the first cell of a notebook. Each figure displayed afterwards carries
    two outputs: plotly's own JSON output (drawn by JupyterLab, Notebook 7 and VS Code) and an
    HTML output (drawn by nbconvert's HTML export, documentation pages and static viewers). The
    plotly.js library is embedded once, in the output of the cell that calls this function, so
    the notebook needs no network. Outside a Jupyter kernel nothing is displayed.

    Returns
    -------
    str
        The renderer now plotly's default, ``"plotly_mimetype+lems_epi_notebook"``.

    Examples
    --------
    >>> import plotly.io as pio
    >>> from lems_epi.plots import setup_notebook
    >>> before = pio.renderers.default
    >>> setup_notebook()
    'plotly_mimetype+lems_epi_notebook'
    >>> pio.renderers.default = before  # doctest only: leave plotly as it was
    """
    import plotly.io as pio

    if NOTEBOOK_RENDERER not in pio.renderers:
        pio.renderers[NOTEBOOK_RENDERER] = _offline_renderer()
    default = f"plotly_mimetype+{NOTEBOOK_RENDERER}"
    pio.renderers.default = default  # in a kernel this displays plotly.js once
    return default
