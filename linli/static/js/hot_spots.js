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

  // The legend sits under the map, not over it, so it hides neither a place nor a popup.
  function legendBox(step, labels) {
    var div = document.createElement("div");
    div.className = "hot-legend";
    div.id = "hot-legend";
    var html = "<span class=\"hot-legend-title\">" + escapeHtml(labels.legend) + "</span>";
    html += "<span><i style=\"background:" + NONE + "\"></i>" + escapeHtml(labels.none) + "</span>";
    COLOURS.forEach(function (colour, i) {
      var low = i * step + 1, high = (i + 1) * step;
      var range = low === high ? String(low) : low + "–" + high;
      html += "<span><i style=\"background:" + colour + "\"></i>" + range + "</span>";
    });
    div.innerHTML = html;
    return div;
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
    // The zoom buttons sit at the bottom left, away from where popups open (above the tapped
    // point, auto-panned clear of the top and of the controls below).
    var map = L.map(el, { attributionControl: !!tiles, zoomSnap: 0.25, scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ position: "bottomleft" }).addTo(map);
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    } else {
      el.classList.add("hot-map-plain");
    }
    var max = features.reduce(function (m, f) { return Math.max(m, f.properties.count || 0); }, 0);
    var step = stepSize(max);
    // Popups keep clear of the zoom buttons: auto-pan keeps their lower edge above the buttons' height.
    var popupOptions = { autoPanPaddingTopLeft: [12, 12], autoPanPaddingBottomRight: [12, 116], maxWidth: 240 };
    var shapes = [];
    var layer = L.geoJSON(collection, {
      style: function (feature) {
        return {
          color: "#5b636d", weight: 1, opacity: 0.9,
          fillColor: colourFor(feature.properties.count, step), fillOpacity: 0.85
        };
      },
      onEachFeature: function (feature, path) {
        path.bindPopup(popupHtml(feature.properties, collection.categories || {}, labels), popupOptions);
        shapes.push({ feature: feature, path: path });
      }
    }).addTo(map);
    // Fit the view to the shaded places, with room for their labels, and none under the zoom
    // buttons (a column of 56 px on the left).
    map.fitBounds(layer.getBounds(), { paddingTopLeft: [66, 28], paddingBottomRight: [28, 28], maxZoom: 18 });
    // A place too small to see at this zoom (a street of many grids) gets a dot of at least
    // MIN_PX across, coloured like its polygon, which opens the same popup.
    var MIN_PX = 14;
    shapes.forEach(function (item) {
      var props = item.feature.properties;
      var bounds = item.path.getBounds();
      var nw = map.latLngToContainerPoint(bounds.getNorthWest());
      var se = map.latLngToContainerPoint(bounds.getSouthEast());
      var target = item.path;
      if (Math.abs(se.x - nw.x) < MIN_PX || Math.abs(se.y - nw.y) < MIN_PX) {
        target = L.circleMarker(bounds.getCenter(), {
          radius: MIN_PX / 2, color: "#5b636d", weight: 1, opacity: 0.9,
          fillColor: colourFor(props.count, step), fillOpacity: 0.95, className: "hot-dot"
        }).addTo(map);
        target.bindPopup(popupHtml(props, collection.categories || {}, labels), popupOptions);
      }
      target.getElement().setAttribute("data-name", props.name);
      // a dot's label goes towards the middle of the map, so it stays inside it
      var side = "center";
      if (target !== item.path) side = (nw.x + se.x) / 2 > map.getSize().x / 2 ? "left" : "right";
      // Every place is named on the map with its number of cases.
      target.bindTooltip(escapeHtml(props.name) + " <b>" + (props.count || 0) + "</b>", {
        permanent: true, direction: side, offset: side === "right" ? [MIN_PX / 2, 0] : side === "left" ? [-MIN_PX / 2, 0] : [0, 0],
        className: "hot-label", opacity: 1, interactive: false
      });
    });
    el.parentNode.insertBefore(legendBox(step, labels), el.nextSibling);
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
