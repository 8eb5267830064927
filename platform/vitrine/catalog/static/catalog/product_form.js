// The product form: "Remove" takes a variant row out (rows added by htmx included), from a file
// rather than an inline handler, which a strict Content Security Policy refuses.
document.addEventListener("click", function (event) {
  var button = event.target.closest(".variant-remove");
  if (button) button.closest(".variant-row").remove();
});
