// Accessibility checks evaluated inside the page (Chromium): defines window.__a11y.
// Each failure is {rule, selector, detail}; the Python side names the page.
(() => {
  if (window.__a11y) return;
  const AA_TEXT = 4.5;       // WCAG 1.4.3, normal text (applied to all text here)
  const AA_NON_TEXT = 3;     // WCAG 1.4.11, focus indicators
  const CANVAS = { r: 255, g: 255, b: 255, a: 1 };

  function selectorOf(el) {
    if (!(el instanceof Element)) return String(el);
    if (el === document.documentElement) return "html";
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && e !== document.documentElement; e = e.parentElement) {
      if (e.id) { parts.unshift(`#${CSS.escape(e.id)}`); break; }
      let part = e.localName;
      const name = e.getAttribute("name");
      if (name) part += `[name="${name}"]`;
      else if (e.classList.length) part += "." + [...e.classList].map((c) => CSS.escape(c)).join(".");
      const parent = e.parentElement;
      if (parent) {
        const same = [...parent.children].filter((c) => c.localName === e.localName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(e) + 1})`;
      }
      parts.unshift(part);
    }
    return parts.join(" > ");
  }

  // -- accessible names ------------------------------------------------------------------
  const text = (node) => (node ? node.textContent || "" : "").replace(/\s+/g, " ").trim();

  function accessibleName(el) {
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    const byIds = ids.map((id) => text(document.getElementById(id))).join(" ").trim();
    if (byIds) return byIds;
    const aria = (el.getAttribute("aria-label") || "").trim();
    if (aria) return aria;
    if (el.labels && el.labels.length) {
      const labelled = [...el.labels].map(text).join(" ").trim();
      if (labelled) return labelled;
    }
    const tag = el.localName;
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (tag === "button" || tag === "a" || tag === "summary") {
      const own = text(el);
      if (own) return own;
      return [...el.querySelectorAll("img[alt]")].map((i) => i.alt.trim()).join(" ").trim();
    }
    if (tag === "input" && ["submit", "reset", "button"].includes(type)) {
      return (el.value || "").trim() || (type === "button" ? "" : type);
    }
    if (tag === "input" && type === "image") return (el.getAttribute("alt") || "").trim();
    return "";
  }

  // -- colours ---------------------------------------------------------------------------
  function parseColor(value) {
    const m = /rgba?\(([^)]+)\)/.exec(value || "");
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  }

  function over(top, bottom) {  // source-over compositing of two colours
    const a = top.a + bottom.a * (1 - top.a);
    if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
    const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
    return { r: mix("r"), g: mix("g"), b: mix("b"), a };
  }

  // The colour behind an element: its and its ancestors' backgrounds over the white canvas;
  // null when an ancestor paints an image or a gradient (not computable from styles).
  function effectiveBackground(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.backgroundImage && style.backgroundImage !== "none") return null;
      const colour = parseColor(style.backgroundColor);
      if (colour && colour.a > 0) {
        layers.push(colour);
        if (colour.a >= 1) break;
      }
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), CANVAS);
  }

  function luminance({ r, g, b }) {
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  }

  function ratio(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  const hex = (c) => "#" + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");

  // -- what is shown -----------------------------------------------------------------------
  function rendered(el) {
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return false;
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1;  // .sr-only text is read, not seen
  }

  function ownText(el) {
    return [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  }

  // -- static rules ------------------------------------------------------------------------
  function audit() {
    const failures = [];
    const fail = (rule, el, detail) => failures.push({ rule, selector: selectorOf(el), detail });

    if (!(document.documentElement.getAttribute("lang") || "").trim()) {
      fail("html-lang", document.documentElement, "<html> has no lang attribute");
    }
    const h1 = [...document.querySelectorAll("h1")];
    if (h1.length !== 1) {
      fail("one-h1", h1[1] || document.body, `${h1.length} h1 elements (one expected)`);
    }
    for (const el of document.querySelectorAll("input, select, textarea, button")) {
      if (el.type === "hidden") continue;
      if (!accessibleName(el)) fail("control-name", el, "form control without an accessible name (label, aria-label or aria-labelledby)");
    }
    for (const el of document.querySelectorAll("a[href], summary")) {
      if (!accessibleName(el)) fail("link-name", el, "link without an accessible name");
    }
    for (const el of document.querySelectorAll("img, input[type=image]")) {
      if (!el.hasAttribute("alt")) fail("img-alt", el, "image without an alt attribute (alt=\"\" when decorative)");
    }
    for (const el of document.querySelectorAll("[role=img]")) {
      if (!accessibleName(el)) fail("img-alt", el, "role=img without aria-label or aria-labelledby");
    }
    for (const el of document.querySelectorAll("[tabindex]")) {
      if (Number(el.getAttribute("tabindex")) > 0) fail("tab-order", el, "positive tabindex breaks the DOM order");
    }
    const texts = [...document.body.querySelectorAll("*")].filter(
      (el) => (ownText(el) || el.matches("input:not([type=hidden]), select, textarea")) && rendered(el));
    for (const el of texts) {
      const bg = effectiveBackground(el);
      if (bg === null) continue;
      const fg = over(parseColor(getComputedStyle(el).color), bg);
      const r = ratio(fg, bg);
      if (r < AA_TEXT) {
        fail("contrast", el, `text contrast ${r.toFixed(2)}:1 < ${AA_TEXT}:1 (${hex(fg)} on ${hex(bg)}): "${text(el).slice(0, 40)}"`);
      }
    }
    return failures;
  }

  // -- keyboard ----------------------------------------------------------------------------
  const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  let unfocused = [];

  function focusStyle(el) {
    const s = getComputedStyle(el);
    return { outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
             outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
             outlineColor: s.outlineColor, boxShadow: s.boxShadow };
  }

  // Number the elements Tab should reach, in DOM order; remember their unfocused look;
  // put the focus before the first one. Returns their selectors.
  function prepareTabbing() {
    const radios = new Set();
    const expected = [...document.querySelectorAll(FOCUSABLE)].filter((el) => {
      if (el.disabled || (el.localName === "input" && el.type === "hidden")) return false;
      const tabindex = el.getAttribute("tabindex");
      if (tabindex !== null && Number(tabindex) < 0) return false;
      if (!el.checkVisibility({ visibilityProperty: true })) return false;
      if (el.localName === "input" && el.type === "radio") {  // one stop per radio group
        if (radios.has(el.name)) return false;
        radios.add(el.name);
      }
      return true;
    });
    const start = document.createElement("span");
    start.tabIndex = -1;
    start.id = "__a11y-start";
    document.body.prepend(start);
    start.focus();
    unfocused = expected.map((el, i) => { el.dataset.a11yI = String(i); return focusStyle(el); });
    return expected.map(selectorOf);
  }

  // Where the focus is now and whether it shows: an outline or box-shadow that appeared on
  // focus, the outline contrasting 3:1 with what is behind it.
  function focused() {
    const el = document.activeElement;
    if (!el || el === document.body || el.dataset.a11yI === undefined) {
      return { index: null, selector: el ? selectorOf(el) : "none" };
    }
    const index = Number(el.dataset.a11yI);
    const before = unfocused[index];
    const now = focusStyle(el);
    const outline = now.outlineStyle !== "none" && now.outlineWidth >= 1
      && now.outline !== before.outline && (parseColor(now.outlineColor) || { a: 0 }).a > 0;
    const shadow = now.boxShadow !== "none" && now.boxShadow !== before.boxShadow;
    let problem = null;
    if (!outline && !shadow) {
      problem = "no visible focus indicator (outline or box-shadow unchanged on focus)";
    } else if (outline && !shadow) {
      const behind = effectiveBackground(el.parentElement);
      const colour = parseColor(now.outlineColor);
      if (behind && colour) {
        const r = ratio(over(colour, behind), behind);
        if (r < AA_NON_TEXT) {
          problem = `focus outline contrast ${r.toFixed(2)}:1 < ${AA_NON_TEXT}:1 (${hex(colour)} on ${hex(behind)})`;
        }
      }
    }
    return { index, selector: selectorOf(el), problem };
  }

  window.__a11y = { audit, prepareTabbing, focused, selectorOf };
})();
