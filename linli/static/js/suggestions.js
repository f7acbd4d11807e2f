// The report page's suggested categories: a tap on one sets the category field (no inline
// handlers: the Content-Security-Policy forbids them, and htmx's hx-on needs eval).
document.addEventListener("click", function (e) {
  var button = e.target.closest(".suggestion-choice");
  if (!button) { return; }
  var select = document.getElementById("id_category");
  if (select) {
    select.value = button.dataset.code;
    select.dispatchEvent(new Event("change"));
  }
  button.closest(".suggestion-choices").querySelectorAll("button").forEach(function (b) {
    b.setAttribute("aria-pressed", b === button ? "true" : "false");
  });
});
