// Draws the report's charts from the page's own numbers (#report-data, the same as its tables)
// with Apache ECharts: SVG rendering (sharp in print, text a screen reader and a test can read),
// ECharts' aria descriptions, and the Okabe-Ito colour-blind-safe palette with decal patterns.
(function () {
  'use strict';
  var PALETTE = { high: '#D55E00', moderate: '#E69F00', low: '#56B4E9', line: '#0072B2', alt: '#009E73', ink: '#1b1b1b' };
  var SITE_COLOURS = ['#0072B2', '#009E73', '#CC79A7', '#000000'];
  var data = JSON.parse(document.getElementById('report-data').textContent);

  function chart(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var c = echarts.init(el, null, { renderer: 'svg' });
    c.on('finished', function () { el.setAttribute('data-rendered', 'true'); });
    window.addEventListener('resize', function () { c.resize(); });
    window.addEventListener('beforeprint', function () { c.resize(); });
    return c;
  }

  function fmt(v) { return v.toFixed(1); }

  function drawRates() {
    var c = chart('chart-rates');
    if (!c) { return; }
    var rules = data.rules.slice().reverse();
    var series = ['high', 'moderate', 'low'].map(function (sev) {
      return {
        name: sev, type: 'bar', stack: 'all', itemStyle: { color: PALETTE[sev] },
        label: { show: true, position: 'inside', color: PALETTE.ink, formatter: function (p) { return p.value > 0 ? fmt(p.value) : ''; } },
        data: data.severity[sev].slice().reverse()
      };
    });
    c.setOption({
      aria: { enabled: true, decal: { show: true } },
      animation: false,
      legend: { top: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 200, right: 30, top: 30, bottom: 30 },
      xAxis: { type: 'value', name: 'per 1,000', nameLocation: 'middle', nameGap: 24 },
      yAxis: { type: 'category', data: rules },
      series: series
    });
  }

  // live rule statistics: overridden as a percentage of the CDS feedback per rule (null: no feedback, no bar)
  function drawOverrides() {
    var c = chart('chart-overrides');
    if (!c) { return; }
    c.setOption({
      aria: { enabled: true, decal: { show: true } },
      animation: false,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 200, right: 40, top: 20, bottom: 30 },
      xAxis: { type: 'value', name: 'overridden, % of feedback', nameLocation: 'middle', nameGap: 24, max: 100 },
      yAxis: { type: 'category', data: data.rules.slice().reverse() },
      series: [{
        name: 'override rate', type: 'bar', itemStyle: { color: PALETTE.line },
        label: { show: true, position: 'right', formatter: function (p) { return p.value == null ? '' : fmt(p.value) + ' %'; } },
        data: data.overrides.slice().reverse()
      }]
    });
  }

  function drawWhatIf() {
    var c = chart('chart-whatif');
    if (!c) { return; }
    var n = data.settings.length, cols = Math.min(n, 3), rows = Math.ceil(n / cols);
    var max = 0;
    data.settings.forEach(function (s) { s.per1000.forEach(function (v) { max = Math.max(max, v); }); });
    var grids = [], xs = [], ys = [], series = [], titles = [];
    var rules = data.rules.map(function (r) { return r.split(' ')[0]; }).reverse();
    data.settings.forEach(function (s, i) {
      var col = i % cols, row = Math.floor(i / cols);
      var left = (col * 100 / cols + 4) + '%', top = (row * 100 / rows + 7) + '%';
      grids.push({ left: left, top: top, width: (100 / cols - 9) + '%', height: (100 / rows - 14) + '%', containLabel: true });
      titles.push({ text: s.name, left: left, top: (row * 100 / rows + 1) + '%', textStyle: { fontSize: 13 } });
      xs.push({ type: 'value', gridIndex: i, max: Math.ceil(max / 100) * 100 || 10 });
      ys.push({ type: 'category', gridIndex: i, data: rules });
      series.push({
        name: s.name, type: 'bar', xAxisIndex: i, yAxisIndex: i, itemStyle: { color: i === 0 ? PALETTE.line : PALETTE.alt },
        label: { show: true, position: 'right', formatter: function (p) { return p.value > 0 ? fmt(p.value) : ''; } },
        data: s.per1000.slice().reverse()
      });
    });
    c.setOption({ aria: { enabled: true, decal: { show: true } }, animation: false, title: titles, grid: grids,
      xAxis: xs, yAxis: ys, series: series, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } } });
  }

  function drawPatient(i) {
    var id = 'chart-patient-' + i, p = data.patients[i];
    var c = chart(id);
    if (!c || !p) { return; }
    var bySite = {};
    p.tScores.forEach(function (t) { (bySite[t.site] = bySite[t.site] || []).push([t.date, t.value]); });
    var series = [{
      name: 'estradiol (pg/mL)', type: 'line', xAxisIndex: 0, yAxisIndex: 0, symbol: 'circle', symbolSize: 8,
      itemStyle: { color: PALETTE.line },
      label: { show: true, formatter: function (q) { return fmt(q.value[1]); } },
      data: p.estradiol.map(function (e) { return [e.date, e.value]; }),
      markLine: { symbol: 'none', lineStyle: { type: 'dashed', color: PALETTE.ink },
        label: { formatter: '{b}', position: 'insideEndTop' },
        data: [{ name: '20 pg/mL', yAxis: 20 }, { name: '25 pg/mL', yAxis: 25 }] },
      markArea: { itemStyle: { color: 'rgba(230,159,0,0.18)' }, label: { position: 'insideTop', color: PALETTE.ink },
        data: p.aromataseInhibitor.map(function (a) {
          return [{ name: a.drug + (a.mgPerWeek == null ? '' : ' ' + fmt(a.mgPerWeek) + ' mg/wk'), xAxis: a.start },
                  { xAxis: a.end || new Date().toISOString().slice(0, 10) }];
        }) }
    }];
    Object.keys(bySite).forEach(function (site, k) {
      series.push({ name: 'T-score ' + site, type: 'line', xAxisIndex: 1, yAxisIndex: 1, symbol: 'diamond', symbolSize: 9,
        itemStyle: { color: SITE_COLOURS[k % SITE_COLOURS.length] }, data: bySite[site],
        label: { show: true, formatter: function (q) { return fmt(q.value[1]); } },
        markLine: k === 0 ? { symbol: 'none', lineStyle: { type: 'dashed', color: PALETTE.ink }, label: { formatter: '{b}' },
          data: [{ name: '−1.0', yAxis: -1.0 }, { name: '−2.5', yAxis: -2.5 }] } : undefined });
    });
    [['DXA', p.dxa, 'rect'], ['vitamin D', p.vitaminD, 'triangle'], ['calcium', p.calcium, 'circle']].forEach(function (ev) {
      series.push({ name: ev[0], type: 'scatter', xAxisIndex: 2, yAxisIndex: 2, symbol: ev[2], symbolSize: 10,
        data: ev[1].map(function (d) { return [d, ev[0]]; }) });
    });
    c.setOption({
      aria: { enabled: true, decal: { show: true } }, animation: false,
      color: [PALETTE.line, PALETTE.alt, '#CC79A7', '#000000', PALETTE.high, PALETTE.moderate, PALETTE.low],
      legend: { top: 0, type: 'scroll' }, tooltip: { trigger: 'item' },
      grid: [{ left: 70, right: 40, top: 40, height: '38%' }, { left: 70, right: 40, top: '52%', height: '25%' },
             { left: 70, right: 40, top: '84%', height: '10%' }],
      xAxis: [0, 1, 2].map(function (g) { return { type: 'time', gridIndex: g }; }),
      yAxis: [{ type: 'value', gridIndex: 0, name: 'estradiol pg/mL' },
              { type: 'value', gridIndex: 1, name: 'T-score', max: 1, min: -4 },
              { type: 'category', gridIndex: 2, data: ['DXA', 'vitamin D', 'calcium'] }],
      series: series
    });
  }

  drawRates();
  drawOverrides();
  drawWhatIf();
  document.querySelectorAll('details.patient').forEach(function (d) {
    var drawn = false;
    d.addEventListener('toggle', function () {
      if (d.open && !drawn) { drawn = true; drawPatient(Number(d.getAttribute('data-index'))); }
    });
  });
  // on paper every patient's timeline is shown
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details.patient').forEach(function (d) { d.open = true; });
  });
}());
