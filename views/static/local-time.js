// Dates in the viewer's own time zone: reports the browser's zone in a cookie, so the gateway writes
// every date and time in it (gateway/http/language.tsx); until then pages use server.time_zone.
(function () {
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && document.cookie.indexOf('recourse_tz=' + encodeURIComponent(zone)) === -1) {
    document.cookie = 'recourse_tz=' + encodeURIComponent(zone) + '; path=/; max-age=31536000; samesite=lax';
  }
})();
