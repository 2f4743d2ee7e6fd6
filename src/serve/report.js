// tenderscan serve: on a scan's page, progress while documents are read; on the report, a button on
// every finding to accept it with a reason (written to the waivers file by the server).
(function () {
  'use strict';
  var nav = document.getElementById('serve-bar');
  if (!nav) { return; }
  var job = nav.getAttribute('data-job');

  if (nav.getAttribute('data-finished') !== '1') {
    var bar = document.getElementById('progress');
    var text = document.getElementById('progress-text');
    var poll = function () {
      var xhr = new XMLHttpRequest();
      xhr.open('GET', '/api/jobs/' + job);
      xhr.onload = function () {
        var s = {};
        try { s = JSON.parse(xhr.responseText); } catch (e) { s = {}; }
        if (s.finished) { window.location.reload(); return; }
        if (s.total) { bar.max = s.total; bar.value = s.done; }
        text.textContent = (s.done || 0) + ' of ' + (s.total || '?') + ' documents read';
        setTimeout(poll, 400);
      };
      xhr.onerror = function () { text.textContent = 'tenderscan serve does not answer'; };
      xhr.send();
    };
    poll();
    return;
  }

  var reviewer = '';
  try { reviewer = window.localStorage.getItem('tenderscan-reviewer') || ''; } catch (e) { reviewer = ''; }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) { e.textContent = text; }
    return e;
  }

  function form(li) {
    if (li.querySelector('form.waive')) { return; }
    var f = el('form', { 'class': 'waive' });
    f.style.cssText = 'margin:8px 0;padding:8px;border:1px solid #d8dce3;border-radius:6px;background:#f6f7f9';
    var reason = el('input', { name: 'reason', 'class': 'waive-reason', size: '60', placeholder: 'Why is this finding acceptable?', required: 'required' });
    var who = el('input', { name: 'reviewer', 'class': 'waive-reviewer', size: '20', placeholder: 'Your name', required: 'required' });
    who.value = reviewer;
    var until = el('input', { name: 'expires', 'class': 'waive-expires', type: 'date', title: 'Last day the acceptance holds (optional)' });
    var ok = el('button', { type: 'submit', 'class': 'waive-submit' }, 'Accept');
    var msg = el('span', { 'class': 'waive-msg' });
    [el('label', {}, 'Reason '), reason, el('label', {}, ' Reviewer '), who, el('label', {}, ' Until '), until, document.createTextNode(' '), ok, document.createTextNode(' '), msg]
      .forEach(function (x) { f.appendChild(x); });
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/jobs/' + job + '/waive');
      xhr.setRequestHeader('Content-Type', 'application/json');
      xhr.setRequestHeader('X-Tenderscan', '1');
      xhr.onload = function () {
        if (xhr.status === 200) {
          try { window.localStorage.setItem('tenderscan-reviewer', who.value); } catch (err) { /* private mode */ }
          window.location.reload();
        } else {
          var a = {};
          try { a = JSON.parse(xhr.responseText); } catch (err) { a = { error: xhr.responseText }; }
          msg.textContent = 'Not saved: ' + (a.error || xhr.status);
        }
      };
      xhr.send(JSON.stringify({ fingerprint: li.getAttribute('data-fingerprint'), reason: reason.value, reviewer: who.value, expires: until.value || null }));
    });
    li.appendChild(f);
    reason.focus();
  }

  var items = document.querySelectorAll('li.finding[data-fingerprint]');
  Array.prototype.forEach.call(items, function (li) {
    if (li.hasAttribute('data-waived')) { return; }
    var b = el('button', { type: 'button', 'class': 'accept' }, 'Accept…');
    b.style.cssText = 'margin-left:8px;font-size:12px';
    b.addEventListener('click', function () { form(li); });
    li.firstChild.appendChild(b);
  });
  nav.setAttribute('data-serve-ready', '1');
})();
