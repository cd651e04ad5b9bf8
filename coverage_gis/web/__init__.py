"""The local web app of ``coverage-gis serve``: the analysis on an offline map and the land
officer's tower check, for a browser on this computer.

:func:`coverage_gis.web.app.create_app` builds the app (Starlette) from an
:class:`~coverage_gis.results.analysis.Analysis`; ``coverage-gis serve`` runs it with uvicorn.
The web app sits at the top of the layers, beside the command line.
"""

__all__ = ["create_app"]


def __getattr__(name: str):  # imported on first use: the app pulls in Starlette
    if name == "create_app":
        from coverage_gis.web.app import create_app

        return create_app
    raise AttributeError(name)
