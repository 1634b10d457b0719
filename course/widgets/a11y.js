// Keyboard and screen-reader support for the course's dashboards (docs/accessibility.md).
//
// ipywidgets 8 cannot set ARIA attributes from Python, so every dashboard is shown with this script, which
// fixes what ipywidgets leaves out, in JupyterLab, Notebook 7 and any front end that runs JavaScript outputs:
//
// - a slider's handle gets its visible label as its accessible name (aria-label) and announces the value shown
//   beside it (aria-valuetext: a selection slider would otherwise announce the position of its value);
// - the state line under the figure becomes a polite live region, so a screen reader reads each new state;
// - the figure gets the state line as its alt text;
// - keys a focused control needs (arrows, Home/End, PageUp/PageDown, Space, Enter, letters) are kept from the
//   notebook's command-mode shortcuts, which would otherwise move between cells or insert one.
//
// The script runs once per page however many dashboards show it; later runs only re-scan the page.
(() => {
  if (window.courseDashboards) {
    window.courseDashboards.scan();
    return;
  }
  const DASHBOARD = ".course-dashboard";
  const CONTROLS = ".course-controls";
  const CONTROL_KEYS = new Set([
    "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown", " ", "Enter",
  ]);
  // Lumino, the shortcut handler of JupyterLab and Notebook 7, skips an event whose target (or an ancestor)
  // carries this attribute.
  const SUPPRESS = "data-lm-suppress-shortcuts";

  const text = (element) => (element ? element.textContent.replace(/\s+/g, " ").trim() : "");
  // Set only what differs: the observer below sees its own changes, and must not feed itself.
  const set = (element, name, value) => {
    if (element.getAttribute(name) !== value) element.setAttribute(name, value);
  };

  function fixSliders(dashboard) {
    for (const slider of dashboard.querySelectorAll(".widget-slider")) {
      const name = text(slider.querySelector(":scope > .widget-label"));
      const readout = slider.querySelector(".widget-readout");
      for (const handle of slider.querySelectorAll(".noUi-handle")) {
        if (name) set(handle, "aria-label", name);
        if (readout) set(handle, "aria-valuetext", text(readout));
      }
      if (readout && name) set(readout, "aria-label", `${name}, type a value`);
    }
  }

  function fixStateLine(dashboard) {
    const state = dashboard.querySelector(":scope > .course-state");
    if (!state) return;
    set(state, "role", "status");
    set(state, "aria-live", "polite");
    set(state, "aria-atomic", "true");
    const image = dashboard.querySelector(":scope > .widget-image");
    if (image) set(image, "alt", `Figure: ${text(state)}`);
  }

  function scan() {
    for (const dashboard of document.querySelectorAll(DASHBOARD)) {
      fixSliders(dashboard);
      fixStateLine(dashboard);
    }
  }

  // A mutation callback runs before the page is painted or read by assistive technology, so a moved slider's
  // aria-valuetext is the new readout by the time a screen reader announces it.
  new MutationObserver(scan).observe(document.body, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ["aria-valuetext"],
  });

  function takenByControl(event) {
    if (event.ctrlKey || event.metaKey || (event.key === "Enter" && event.shiftKey)) return false;
    return CONTROL_KEYS.has(event.key) || event.key.length === 1;
  }

  // Window capture runs before the document's capture listener that dispatches shortcuts.
  window.addEventListener("keydown", (event) => {
    const target = event.target;
    if (!(target instanceof Element) || !target.closest(CONTROLS) || !takenByControl(event)) return;
    if (target.hasAttribute(SUPPRESS)) return;
    target.setAttribute(SUPPRESS, "");
    setTimeout(() => target.removeAttribute(SUPPRESS), 0);
  }, true);

  window.courseDashboards = { scan };
  scan();
})();
