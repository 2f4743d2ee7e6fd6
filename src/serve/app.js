// tenderscan serve: the upload page. Files (or a folder, or a ZIP) are sent in one multipart request;
// the server answers with the scan's page, which shows progress and then the report.
(function () {
  'use strict';
  var drop = document.getElementById('drop');
  var status = document.getElementById('status');
  var bar = document.getElementById('upload-progress');

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? 'error' : '';
  }

  function send(files) {
    if (!files.length) { say('No file was chosen.', true); return; }
    var form = new FormData();
    files.forEach(function (f) { form.append('file', f.file, f.name); });
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/scan');
    xhr.setRequestHeader('X-Tenderscan', '1');
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.hidden = false; bar.max = e.total; bar.value = e.loaded; }
      say('Sending ' + files.length + ' file' + (files.length === 1 ? '' : 's') + ' to tenderscan…');
    };
    xhr.onload = function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = { error: xhr.responseText }; }
      if (xhr.status === 200 && answer.url) {
        say('Reading the documents…');
        window.location.href = answer.url;
      } else {
        bar.hidden = true;
        say('The upload was refused: ' + (answer.error || ('HTTP ' + xhr.status)), true);
      }
    };
    xhr.onerror = function () { bar.hidden = true; say('The upload failed: is tenderscan serve still running?', true); };
    say('Sending…');
    xhr.send(form);
  }

  function fromInput(input) {
    var out = [];
    for (var i = 0; i < input.files.length; i++) {
      var f = input.files[i];
      out.push({ file: f, name: f.webkitRelativePath || f.name });
    }
    return out;
  }

  document.getElementById('files').addEventListener('change', function () { send(fromInput(this)); });
  document.getElementById('folder').addEventListener('change', function () { send(fromInput(this)); });

  // A dropped folder is walked with the entries API.
  function walk(entry, prefix, out, done) {
    if (entry.isFile) {
      entry.file(function (f) { out.push({ file: f, name: prefix + f.name }); done(); }, done);
    } else if (entry.isDirectory) {
      var reader = entry.createReader(), all = [];
      var more = function () {
        reader.readEntries(function (batch) {
          if (!batch.length) {
            var left = all.length;
            if (!left) { done(); return; }
            all.forEach(function (e) { walk(e, prefix + entry.name + '/', out, function () { if (--left === 0) { done(); } }); });
          } else { all = all.concat(Array.prototype.slice.call(batch)); more(); }
        }, done);
      };
      more();
    } else { done(); }
  }

  drop.addEventListener('dragover', function (e) { e.preventDefault(); drop.className = 'over'; });
  drop.addEventListener('dragleave', function () { drop.className = ''; });
  drop.addEventListener('drop', function (e) {
    e.preventDefault();
    drop.className = '';
    var items = e.dataTransfer.items, out = [];
    if (items && items.length && items[0].webkitGetAsEntry) {
      var entries = [];
      for (var i = 0; i < items.length; i++) { var en = items[i].webkitGetAsEntry(); if (en) { entries.push(en); } }
      var left = entries.length;
      if (!left) { send([]); return; }
      entries.forEach(function (en) { walk(en, '', out, function () { if (--left === 0) { send(out); } }); });
    } else {
      var files = e.dataTransfer.files;
      for (var j = 0; j < files.length; j++) { out.push({ file: files[j], name: files[j].name }); }
      send(out);
    }
  });

  var rescan = document.getElementById('rescan');
  if (rescan) {
    rescan.addEventListener('click', function () {
      var xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/scan-folder');
      xhr.setRequestHeader('X-Tenderscan', '1');
      xhr.onload = function () {
        try { window.location.href = JSON.parse(xhr.responseText).url; } catch (e) { say('The scan could not start.', true); }
      };
      xhr.send();
    });
  }
  document.body.setAttribute('data-ready', '1');
})();
