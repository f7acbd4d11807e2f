/* /api/v1/docs: start the vendored Swagger UI with the settings the page carries (no inline script). */
(function () {
  var data = document.body.dataset;
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  if (data.apiCsrf && data.csrfToken) {
    config.requestInterceptor = function (req) { req.headers["X-CSRFToken"] = data.csrfToken; return req; };
  }
  window.ui = SwaggerUIBundle(config);
})();
