/* Behaviour every page shares. In a file, not in on…="" attributes, because the
   Content-Security-Policy runs no inline handlers. */
document.addEventListener("change", function (e) {
  var t = e.target;
  if (t instanceof HTMLSelectElement && t.hasAttribute("data-submit-on-change") && t.form) {
    t.form.submit();
  }
});
