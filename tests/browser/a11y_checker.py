"""Our own offline accessibility checks, run in the page through Playwright.

Not a full audit: the faults we have made before and can find by rule. ``problems`` reads
the document; ``tab_stops`` walks it with the keyboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CHECKS = r"""() => {
  const problems = [];
  const text = (el) => (el.textContent || "").replace(/\s+/g, " ").trim();
  const describe = (el) => {
    const id = el.id ? "#" + el.id : "";
    const name = el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : "";
    return `${el.tagName.toLowerCase()}${id}${name} "${(el.outerHTML || "").slice(0, 80)}"`;
  };
  const labelledBy = (el) => (el.getAttribute("aria-labelledby") || "").split(/\s+/)
    .filter(Boolean).some((id) => { const t = document.getElementById(id); return t && text(t); });
  const named = (el) => Boolean((el.getAttribute("aria-label") || "").trim()) || labelledBy(el)
    || Boolean((el.getAttribute("title") || "").trim());

  if (!(document.documentElement.getAttribute("lang") || "").trim()) {
    problems.push("the html element has no lang");
  }
  const mains = document.querySelectorAll("main, [role=main]");
  if (mains.length !== 1) problems.push(`${mains.length} main landmarks (one expected)`);

  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) {
    seen.set(el.id, (seen.get(el.id) || 0) + 1);
  }
  for (const [id, count] of seen) {
    if (count > 1) problems.push(`duplicate id #${id} (${count} times)`);
  }

  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const byLabel = el.labels && [...el.labels].some((label) => text(label));
    if (!byLabel && !named(el)) problems.push(`form control without a name: ${describe(el)}`);
  }
  for (const el of document.querySelectorAll("button, a[href], [role=button], [role=link]")) {
    const images = [...el.querySelectorAll("img[alt]")].some((img) => img.alt.trim());
    if (!text(el) && !named(el) && !images) {
      problems.push(`${el.tagName.toLowerCase()} without text: ${describe(el)}`);
    }
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`image without alt: ${describe(img)}`);
  }
  return problems;
}"""

FOCUSED = r"""() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const width = parseFloat(style.outlineWidth) || 0;
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id || "",
    text: (el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 40),
    in_nav: Boolean(el.closest("nav.site-nav")),
    in_main: Boolean(el.closest("main")),
    focus_visible: el.matches(":focus-visible"),
    outlined: style.outlineStyle !== "none" && width >= 1,
  };
}"""

MAIN_HAS_CONTROLS = """() => [...document.querySelectorAll(
  "main a[href], main button, main input, main select, main textarea")]
  .some((el) => !el.disabled && el.getClientRects().length > 0)"""


@dataclass(frozen=True)
class TabStop:
    tag: str
    id: str
    text: str
    in_nav: bool
    in_main: bool
    focus_visible: bool
    outlined: bool


def problems(page: Any) -> list[str]:
    """What the checker finds wrong in the page as it is now."""
    found: list[str] = page.evaluate(CHECKS)
    return found


def tab_stops(page: Any, limit: int = 60) -> list[TabStop]:
    """Press Tab from the top of the page until focus has been in the navigation, on
    sign-out and in the main landmark (or ``limit`` presses); each focused element."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
    main_has_controls = page.evaluate(MAIN_HAS_CONTROLS)
    stops: list[TabStop] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen = page.evaluate(FOCUSED)
        if seen is None:
            continue
        stops.append(TabStop(**seen))
        reached_main = any(s.in_main for s in stops) or not main_has_controls
        if reached_main and any(s.id == "sign-out" for s in stops):
            break
    return stops


def assert_accessible(page: Any) -> None:
    """The checks pass, and the keyboard reaches the skip link, the navigation, sign-out
    and the page's controls, each with a visible focus outline."""
    assert problems(page) == []
    stops = tab_stops(page)
    assert stops, "Tab focuses nothing"
    assert stops[0].text == "Skip to content", stops[0]
    assert any(s.in_nav for s in stops), "Tab never reaches the navigation"
    assert any(s.id == "sign-out" for s in stops), "Tab never reaches sign-out"
    if page.evaluate(MAIN_HAS_CONTROLS):
        assert any(s.in_main for s in stops), "Tab never reaches the page's controls"
    unseen = [s for s in stops if not (s.focus_visible and s.outlined)]
    assert unseen == [], f"focus not visible on {unseen}"


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scroll)."""
    width: int = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return width
