// Quick add: show the photo just taken, so the merchant knows it is the right one.
// (A photo kept after an error is already shown by the page; a new one replaces it.)
(function () {
  var label = document.querySelector(".camera-button");
  var input = label && document.getElementById(label.htmlFor);
  var preview = document.getElementById("quick-photo-preview");
  if (!input || !preview) return;
  input.addEventListener("change", function () {
    if (input.files && input.files[0]) {
      preview.src = URL.createObjectURL(input.files[0]);
      preview.hidden = false;
      var kept = document.getElementById("quick-photo-kept");
      if (kept) kept.hidden = true;
    }
  });
})();
