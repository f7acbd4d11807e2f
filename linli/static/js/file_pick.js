/* A file input under a translated button (linli/core/widgets.py FilePick): the line beside
   the button names the chosen files, or says that none is chosen. Loaded once per widget;
   the listener is installed once. */
(function () {
  "use strict";
  if (window.linliFilePick) return;
  window.linliFilePick = true;
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("file-pick-input")) return;
    var names = input.parentNode.querySelector(".file-pick-names");
    if (!names) return;
    var chosen = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
    names.textContent = chosen.length ? chosen.join(", ") : names.dataset.empty;
  });
})();
