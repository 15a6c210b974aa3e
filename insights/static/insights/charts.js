/* Draws every chart on the page from its JSON data (Django's json_script), with the vendored
   Chart.js UMD build. No inline script: the template only holds <canvas data-chart="id"> and
   <script type="application/json" id="id">. The table under each chart is its text equivalent,
   so the canvas is decorative for screen readers beyond its aria-label. */
(function () {
  "use strict";

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var palette = ["#256ef4", "#e0701b", "#228738", "#8a3ffc", "#bd2c0f", "#0b7285"];

  function draw(canvas) {
    if (!window.Chart || canvas.dataset.drawn) { return; }
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var spec;
    try { spec = JSON.parse(source.textContent); } catch (e) { return; }
    if (!spec || !spec.labels || spec.labels.length === 0) { return; }
    canvas.dataset.drawn = "1";
    var datasets = spec.datasets.map(function (set, i) {
      var colour = palette[i % palette.length];
      return {
        label: set.label,
        data: set.data,
        backgroundColor: colour,
        borderColor: colour,
        spanGaps: false
      };
    });
    new window.Chart(canvas, {
      type: spec.type === "line" ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: reduceMotion ? false : undefined,
        responsive: true,
        aspectRatio: spec.type === "line" ? 2.4 : 3,
        plugins: { legend: { display: datasets.length > 1 }, title: { display: false } },
        scales: { y: { reverse: !!spec.reverse, beginAtZero: !spec.reverse } }
      }
    });
  }

  function drawAll(root) {
    var canvases = (root || document).querySelectorAll("canvas[data-chart]");
    Array.prototype.forEach.call(canvases, draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
  // Sections replaced by htmx (dashboard filters) bring new canvases.
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
