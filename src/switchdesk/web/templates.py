"""The Jinja2 templates of the pages (one instance, shared by the routes and the error pages)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from switchdesk.web.navigation import layout_context

templates = Jinja2Templates(
    directory=str(Path(__file__).parent / "templates"), context_processors=[layout_context]
)
