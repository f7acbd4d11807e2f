// Draw every [data-qr] element's text as a QR code (vendored qrcode-generator, no network).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-qr]").forEach(function (el) {
    if (typeof qrcode !== "function") return;
    var qr = qrcode(0, "M");
    qr.addData(el.dataset.qr);
    qr.make();
    el.innerHTML = qr.createSvgTag({ cellSize: 6, margin: 2, scalable: true });
    el.querySelector("svg").setAttribute("style", "width:min(70vw,260px);height:auto;display:block;margin:auto");
  });
});
