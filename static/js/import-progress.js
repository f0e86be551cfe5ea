// Follows a background import on its page (templates/transfer/import_run.html): polls the run's progress as JSON,
// moves the bar, and loads the report once the run has finished. Without script the page says to reload it.
(function () {
  'use strict'
  var box = document.querySelector('[data-import-progress]')
  if (!box || !window.fetch) { return }
  var bar = box.querySelector('progress')
  var text = document.getElementById('import-progress-text')
  var number = function (n) { return n.toLocaleString('en-GB') }
  var poll = function () {
    fetch(box.getAttribute('data-import-progress'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status) })
      .then(function (run) {
        if (run.finished) { window.location.assign(run.url); return }
        bar.max = run.rows_total || 1
        bar.value = run.rows_done
        bar.textContent = run.percent + '%'
        text.textContent = run.status === 'queued' ? 'Waiting to start.'
          : number(run.rows_done) + ' of ' + number(run.rows_total) + ' rows (' + run.percent + '%).'
        window.setTimeout(poll, 1000)
      })
      .catch(function () { window.setTimeout(poll, 5000) })
  }
  window.setTimeout(poll, 1000)
})()
