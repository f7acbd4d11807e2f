/* The point picker of the report page (反映问题): a small map centred on the resident's home,
   with the outlines and names of their community's grids and compounds, so a point can be
   placed even with no base tiles. Base tiles only when LINLI_MAP_TILES_URL is set; otherwise a
   plain background and not one request leaves this server. Tapping the map or dragging the
   marker fills the lat/lng inputs (6 decimals); editing them moves the marker. Without this
   script (or without Leaflet) the inputs alone still work. */
(function () {
  "use strict";

  var STYLES = {
    grid: { color: "#5b636d", weight: 2, dashArray: "6 4", fillColor: "#ffffff", fillOpacity: 0.4 },
    compound: { color: "#0b5cad", weight: 1.5, fillColor: "#dbe8f6", fillOpacity: 0.7 }
  };

  function number(input, bound) {
    var text = (input.value || "").trim();
    if (!text) return null;
    var value = Number(text);
    return isFinite(value) && Math.abs(value) <= bound ? value : null;
  }

  function start() {
    var el = document.getElementById("report-map");
    var latInput = document.getElementById("id_lat");
    var lngInput = document.getElementById("id_lng");
    var placeSelect = document.getElementById("id_place");
    var clear = document.getElementById("report-map-clear");
    if (!el || !latInput || !lngInput) return;
    var ctxNode = document.getElementById(el.dataset.contextId);
    var ctx = ctxNode ? JSON.parse(ctxNode.textContent) : {};
    var features = (ctx.places && ctx.places.features) || [];
    var map = null, marker = null, placeBefore = null;

    function typedPoint() {
      var lat = number(latInput, 90), lng = number(lngInput, 180);
      return lat === null || lng === null ? null : [lat, lng];
    }

    function showClear() {
      if (clear) clear.hidden = !(latInput.value.trim() || lngInput.value.trim());
    }

    function placeChanged() {
      if (placeSelect) placeSelect.dispatchEvent(new Event("change", { bubbles: true }));  // refreshes the hints
    }

    function moveMarker(latlng) {
      if (!map) return;
      if (!latlng) {
        if (marker) { marker.remove(); marker = null; }
        return;
      }
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, autoPan: true }).addTo(map);
        marker.on("dragend", function () { fill(marker.getLatLng()); });
      } else {
        marker.setLatLng(latlng);
      }
      if (!map.getBounds().contains(marker.getLatLng())) map.panTo(marker.getLatLng());
    }

    // A point on the map stands for "按定位位置": the place goes back to it, as with 使用我的位置.
    function fill(latlng) {
      latInput.value = latlng.lat.toFixed(6);
      lngInput.value = latlng.lng.toFixed(6);
      if (placeSelect && placeSelect.value) {
        placeBefore = placeSelect.value;
        placeSelect.value = "";
      }
      placeChanged();
      showClear();
    }

    function onTyped() {
      var point = typedPoint();
      moveMarker(point ? L.latLng(point[0], point[1]) : null);
      showClear();
    }

    latInput.addEventListener("input", showClear);
    lngInput.addEventListener("input", showClear);
    if (clear) {
      clear.addEventListener("click", function () {
        latInput.value = "";
        lngInput.value = "";
        if (placeSelect && !placeSelect.value && placeBefore !== null) {
          placeSelect.value = placeBefore;
        }
        placeBefore = null;
        moveMarker(null);
        placeChanged();
        showClear();
      });
    }
    showClear();

    var first = typedPoint();
    if (typeof L === "undefined" || (!ctx.center && !features.length && !first)) return;

    function label(text, kind, latlng, direction) {
      L.tooltip({ permanent: true, direction: direction, className: "report-map-label report-map-label-" + kind,
                  opacity: 1, interactive: false })
        .setLatLng(latlng).setContent(text).addTo(map);
    }

    function draw() {
      el.hidden = false;
      var help = document.getElementById("report-map-help");
      if (help) help.hidden = false;
      var tiles = el.dataset.tilesUrl;
      map = L.map(el, { attributionControl: !!tiles, zoomSnap: 0.25, scrollWheelZoom: false });
      if (tiles) {
        L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
      } else {
        el.classList.add("report-map-plain");
      }
      var outlines = L.geoJSON(ctx.places, {
        interactive: false,
        style: function (feature) {
          var style = Object.assign({}, STYLES[feature.properties.kind] || STYLES.grid);
          style.className = "report-map-" + feature.properties.kind + " report-map-place-" + feature.id;
          return style;
        },
      });
      if (first) {
        map.setView(first, Math.max(ctx.zoom || 16, 16));
      } else if (ctx.center) {
        map.setView(ctx.center, ctx.zoom || 16);
      } else {
        map.fitBounds(outlines.getBounds(), { padding: [12, 12] });
      }
      outlines.addTo(map);
      outlines.eachLayer(function (layer) {
        var props = layer.feature.properties, bounds = layer.getBounds();
        if (props.kind === "grid") {  // at the top edge, clear of the compounds inside
          label(props.name, "grid", L.latLng(bounds.getNorth(), bounds.getCenter().lng), "bottom");
        } else {
          label(props.name, props.kind, layer.getCenter(), "center");
        }
      });
      map.on("click", function (e) {
        moveMarker(e.latlng);
        fill(e.latlng);
      });
      latInput.addEventListener("change", onTyped);
      lngInput.addEventListener("change", onTyped);
      latInput.addEventListener("input", onTyped);
      lngInput.addEventListener("input", onTyped);
      onTyped();
      el.dataset.ready = "true";
    }

    // Drawn when first shown: a map laid out inside a closed <details> would have no size.
    var details = el.closest("details");
    if (!details || details.open) {
      draw();
    }
    if (details) {
      details.addEventListener("toggle", function () {
        if (!details.open) return;
        if (!map) draw(); else map.invalidateSize();
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
