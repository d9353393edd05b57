// Dates in the viewer's own time zone: reports the zone in a cookie, so the next page is rendered
// in it by the server, and rewrites this page's <time data-local> in the page language now.
(function () {
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && document.cookie.indexOf('recourse_tz=' + encodeURIComponent(zone)) === -1) {
    document.cookie = 'recourse_tz=' + encodeURIComponent(zone) + '; path=/; max-age=31536000; samesite=lax';
  }
  var format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' });
  document.querySelectorAll('time[data-local]').forEach(function (el) {
    var at = new Date(el.getAttribute('datetime'));
    if (!isNaN(at.getTime())) el.textContent = format.format(at);
  });
})();
