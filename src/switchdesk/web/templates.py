"""The Jinja2 templates of the pages (one instance, shared by the routes and the error pages)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
