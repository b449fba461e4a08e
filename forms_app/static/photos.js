// Progressive enhancement for photo fields (input[data-photos]): scale each chosen photo down in the
// browser to at most 1600 px (JPEG) before it is uploaded, to save the resident's mobile data.
// Anything that cannot be scaled here (HEIC in most browsers, an old browser, an error) is sent as
// it is: the server checks and re-encodes every photo anyway. No blob: URLs (the CSP allows none).
(function () {
  "use strict";
  var LONG_SIDE = 1600, QUALITY = 0.85;
  if (!window.DataTransfer || !window.createImageBitmap || !window.Promise || !HTMLCanvasElement.prototype.toBlob) return;

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/i.test(file.type)) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 1.5 * 1024 * 1024) return file;  // already small enough
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";  // see-through parts become white, not black
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) return resolve(file);
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-photos]"), function (input) {
    var form = input.form, pending = null;
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) return;
      input.setAttribute("aria-busy", "true");
      var job = pending = Promise.all(files.map(shrink)).then(function (shrunk) {
        if (job !== pending) return;  // the resident chose again meanwhile
        try {
          var transfer = new DataTransfer();
          shrunk.forEach(function (file) { transfer.items.add(file); });
          input.files = transfer.files;
          input.setAttribute("data-shrunk", String(shrunk.filter(function (f, i) { return f !== files[i]; }).length));
        } catch (e) { /* keep the originals */ }
      }).catch(function () { /* keep the originals */ }).then(function () {
        if (job === pending) { pending = null; input.removeAttribute("aria-busy"); }
      });
    });
    if (form) {
      form.addEventListener("submit", function (event) {
        if (!pending) return;
        event.preventDefault();  // wait for the photos, then send (the originals if scaling failed)
        pending.then(function () { form.submit(); });
      });
    }
  });
})();
