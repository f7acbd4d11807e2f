// Buttons and links marked data-print print the page (no inline handlers: the CSP forbids them).
document.addEventListener("click", function (e) {
  var el = e.target.closest("[data-print]");
  if (!el) { return; }
  e.preventDefault();
  window.print();
});
