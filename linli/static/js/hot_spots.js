/* The hot-spot map: grid (or compound) polygons shaded by their number of cases, on base
   tiles when LINLI_MAP_TILES_URL is set and on a plain background otherwise (closed networks:
   then the map makes no request beyond its own GeoJSON). The table under it has every number,
   so the page works without this script. */
(function () {
  "use strict";

  // Five steps, light to dark (ColorBrewer "Reds"); places without cases stay pale grey.
  var COLOURS = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
  var NONE = "#f3f4f6";

  function stepSize(max) {
    return Math.max(1, Math.ceil(max / COLOURS.length));
  }

  function colourFor(count, step) {
    if (!count) return NONE;
    return COLOURS[Math.min(COLOURS.length, Math.ceil(count / step)) - 1];
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function popupHtml(props, names, labels) {
    var html = "<strong>" + escapeHtml(props.name) + "</strong><br>" + escapeHtml(labels.total) + " " +
      props.count + " " + escapeHtml(labels.cases);
    var codes = Object.keys(props.counts || {});
    if (codes.length) {
      html += "<ul class=\"hot-popup\">";
      codes.forEach(function (code) {
        html += "<li>" + escapeHtml(names[code] || code) + " " + props.counts[code] + "</li>";
      });
      html += "</ul>";
    }
    return html;
  }

  function legendControl(step, labels) {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "hot-legend");
      div.id = "hot-legend";
      var html = "<div class=\"hot-legend-title\">" + escapeHtml(labels.legend) + "</div>";
      html += "<div><i style=\"background:" + NONE + "\"></i>" + escapeHtml(labels.none) + "</div>";
      COLOURS.forEach(function (colour, i) {
        var low = i * step + 1, high = (i + 1) * step;
        var range = low === high ? String(low) : low + "–" + high;
        html += "<div><i style=\"background:" + colour + "\"></i>" + range + "</div>";
      });
      div.innerHTML = html;
      return div;
    };
    return legend;
  }

  function draw(el, collection) {
    var labels = {
      cases: el.dataset.labelCases, total: el.dataset.labelTotal, none: el.dataset.labelNone,
      legend: el.dataset.labelLegend
    };
    var status = document.getElementById("hot-map-status");
    var features = collection.features || [];
    if (!features.length) {
      status.textContent = el.dataset.labelEmpty;
      return;
    }
    el.hidden = false;
    var tiles = el.dataset.tilesUrl;
    var map = L.map(el, { attributionControl: !!tiles, zoomSnap: 0.25, scrollWheelZoom: false });
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    } else {
      el.classList.add("hot-map-plain");
    }
    var max = features.reduce(function (m, f) { return Math.max(m, f.properties.count || 0); }, 0);
    var step = stepSize(max);
    var layer = L.geoJSON(collection, {
      style: function (feature) {
        return {
          color: "#5b636d", weight: 1, opacity: 0.9,
          fillColor: colourFor(feature.properties.count, step), fillOpacity: 0.85
        };
      },
      onEachFeature: function (feature, path) {
        path.bindPopup(popupHtml(feature.properties, collection.categories || {}, labels));
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [12, 12] });
    legendControl(step, labels).addTo(map);
    el.dataset.ready = "true";
  }

  function start() {
    var el = document.getElementById("hot-map");
    if (!el || typeof L === "undefined") return;
    fetch(el.dataset.geojsonUrl, { credentials: "same-origin", headers: { "Accept": "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (collection) { draw(el, collection); })
      .catch(function () {
        document.getElementById("hot-map-status").textContent = el.dataset.labelFailed;
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
