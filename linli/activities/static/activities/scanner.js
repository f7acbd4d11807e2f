// The organiser's offline scanner. Each scan is queued in localStorage with a random nonce
// and the time it was taken; the queue is uploaded whenever the network is there (now, on
// the "online" event, every 15 s). The server accepts each nonce once, so an upload that
// is retried after a lost answer changes nothing; what it answers is shown and dropped
// from the queue.
//
// One script for every scanner page, configured by the #scanner element's data- attributes:
//   data-upload        where the queue is posted (required)
//   data-store         the localStorage key of this page's queue (default "linli-scans-" +
//                      data-activity), so two scanners never upload each other's scans
//   data-batch-key     the body is {<key>: [scans]} (default "scans"); empty: the bare list
//   data-ticket-pattern a regular expression that reads the ticket out of what was scanned
//                      (its first group, else the whole match); text it does not match is
//                      sent as it is, and the server answers it as failed (and logs it)
// The server answers each scan with {nonce, result: accepted|duplicate|failed, person, message};
// the data-label-<result> attributes name the results.
(function () {
  var root, key, queue, busy = false;

  function load() { try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; } }
  function save() { localStorage.setItem(key, JSON.stringify(queue)); }
  function nonce() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function label(name) { return root.dataset["label" + name.charAt(0).toUpperCase() + name.slice(1)] || name; }

  function render() {
    document.getElementById("queued").textContent = queue.length;
    var net = document.getElementById("net");
    net.textContent = navigator.onLine ? label("online") : label("offline");
    net.dataset.state = navigator.onLine ? "online" : "offline";
  }

  function show(text, cls, nonce) {
    // A scan's answer replaces its "queued" line.
    var li = nonce && document.querySelector('#results li[data-nonce="' + nonce + '"]');
    if (!li) {
      li = document.createElement("li");
      var list = document.getElementById("results");
      list.insertBefore(li, list.firstChild);
    }
    if (nonce) li.dataset.nonce = nonce;
    li.className = "row " + (cls || "");
    li.textContent = text;
  }

  function read(text) {
    text = (text || "").trim();
    var pattern = root.dataset.ticketPattern;
    if (!pattern || !text) return text;
    var m = text.match(new RegExp(pattern));
    return m ? (m[1] || m[0]) : text;
  }

  function body(batch) {
    var k = root.dataset.batchKey;
    if (k === "") return batch;
    var out = {};
    out[k || "scans"] = batch;
    return out;
  }

  function add(ticket) {
    ticket = read(ticket);
    if (!ticket) return;
    var scan = { nonce: nonce(), ticket: ticket, scanned_at: new Date().toISOString() };
    queue.push(scan);
    save();
    show(ticket.slice(0, 24) + " · " + label("queued"), "queued", scan.nonce);
    render();
    flush();
  }

  function flush() {
    if (busy || !queue.length || !navigator.onLine) { render(); return; }
    busy = true;
    var batch = queue.slice(0, 100);
    fetch(root.dataset.upload, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify(body(batch))
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (results) {
      var done = {};
      results.forEach(function (s) {
        done[s.nonce] = true;
        var text = (s.person ? s.person + " · " : "") + label(s.result);
        if (s.result === "failed" && s.message) text += "（" + s.message + "）";
        show(text, "scan-" + s.result, s.nonce);
      });
      queue = load().filter(function (s) { return !done[s.nonce]; });
      save();
    }).catch(function () { setTimeout(flush, 3000); /* kept in the queue: try again soon */ })
      .finally(function () { busy = false; render(); });
  }

  function camera() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    var video = document.getElementById("camera");
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    var last = "", lastAt = 0;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.style.display = "block";
      video.play();
      setInterval(function () {
        detector.detect(video).then(function (codes) {
          codes.forEach(function (c) {
            var now = Date.now();
            if (c.rawValue === last && now - lastAt < 3000) return;  // the same code held in view
            last = c.rawValue; lastAt = now;
            add(c.rawValue);
          });
        }).catch(function () {});
      }, 400);
    }).catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = document.getElementById("scanner");
    key = root.dataset.store || "linli-scans-" + root.dataset.activity;
    queue = load();
    document.getElementById("manual").addEventListener("submit", function (e) {
      e.preventDefault();
      var input = document.getElementById("ticket-input");
      add(input.value);
      input.value = "";
      input.focus();
    });
    document.getElementById("start-camera").addEventListener("click", camera);
    window.addEventListener("online", flush);
    window.addEventListener("offline", render);
    setInterval(flush, 15000);
    render();
    flush();
  });
})();
