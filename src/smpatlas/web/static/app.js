// SMP Atlas front end: small progressive enhancements; every page works without it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) {
      // Swap error responses too: validation messages are HTML fragments with a 4xx status, shown
      // where the request's target is (Browse answers a bad search with #results holding the message).
      // A 4xx is an answer for the person, not a failure of the page: no htmx:responseError (console) for it.
      htmx.config.responseHandling = [
        { code: "204", swap: false },
        { code: "[23]..", swap: true },
        { code: "4..", swap: true },
        { code: "5..", swap: true, error: true },
      ];
      htmx.config.historyCacheSize = 20;
    }
    embedCharts(document);
    wireCountrySearch(document);
    wireOnlyDiff();
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    wireCountrySearch(e.target);
    announceResults();
  });

  // Browse swaps #results in place. htmx gives focus back to the element with the same id (facet links, the
  // pager and the search fields have stable ids); when that element is gone (a cleared filter, the last page)
  // focus goes to the count instead of the start of the page. The new count is announced in #results-status,
  // a live region outside #results (one inside would be replaced, and not read out).
  function announceResults() {
    var status = document.getElementById("results-status");
    var count = document.getElementById("count");
    if (!status || !count) { return; }
    var active = document.activeElement;
    if (!active || active === document.body || !document.body.contains(active)) { count.focus(); }
    var problem = document.querySelector("#results #browse-problems, #results .error");
    status.textContent = problem ? "" : count.textContent.trim();
  }

  function embedCharts(root) {
    if (!window.vegaEmbed) { return; }
    root.querySelectorAll(".vega[data-spec]").forEach(function (el) {
      var script = document.getElementById(el.getAttribute("data-spec"));
      if (!script) { return; }
      var spec = JSON.parse(script.textContent);
      // vega-embed labels its container role=graphics-document, "Vega visualization": put back the page's text
      // alternative (the chart's title, and where its numbers are as a table)
      var label = el.getAttribute("aria-label");
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" }).then(function () {
        if (label) {
          el.setAttribute("role", "img");
          el.setAttribute("aria-label", label);
          el.removeAttribute("aria-roledescription");
        }
        el.setAttribute("data-rendered", "true");
      }).catch(function (err) { el.textContent = "Chart could not be drawn: " + err; });
    });
  }

  function wireCountrySearch(root) {
    root.querySelectorAll("input.country-search").forEach(function (input) {
      if (input.dataset.wired) { return; }
      input.dataset.wired = "1";
      input.addEventListener("input", function () {
        var q = input.value.trim().toLowerCase();
        var list = document.getElementById(input.getAttribute("data-target"));
        list.querySelectorAll("label").forEach(function (label) {
          var box = label.querySelector("input");
          var show = !q || label.textContent.toLowerCase().indexOf(q) >= 0 || (box && box.checked);
          label.hidden = !show;
        });
        // the unticked countries wait in a closed <details>: a search opens it (and closes it again when
        // cleared, if the search was what opened it), so the matches can be reached by Tab
        var more = list.querySelector("details.country-more");
        if (more && q && !more.open) { more.open = true; more.dataset.searchOpened = "1"; }
        if (more && !q && more.dataset.searchOpened) { more.open = false; delete more.dataset.searchOpened; }
      });
      // Enter in the search box finds, it does not submit the whole form
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); }
      });
    });
  }

  function wireOnlyDiff() {
    var box = document.getElementById("only-diff");
    if (!box) { return; }
    box.addEventListener("change", function () {
      document.querySelectorAll("table.compare tr.same").forEach(function (tr) { tr.hidden = box.checked; });
    });
  }
})();
