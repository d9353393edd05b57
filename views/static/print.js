// Print buttons (the CSP allows no inline script): any element marked data-print opens the print dialog.
document.addEventListener('click', function (event) {
  var target = event.target instanceof Element ? event.target.closest('[data-print]') : null;
  if (!target) return;
  event.preventDefault();
  window.print();
});
// The button only works with JavaScript, so it stays hidden until this script runs.
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('[data-print]').forEach(function (button) { button.hidden = false; });
});
