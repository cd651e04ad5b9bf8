/* coverage-gis serve: the map and the tower check.
 *
 * Data from files (hamlet names, ids, operators) is untrusted: every text goes into the page
 * with textContent or as a DOM node, never through innerHTML. No request leaves the app.
 */
(function () {
  'use strict';

  var cfg = JSON.parse(document.getElementById('cg-config').textContent);
  var W = cfg.words;
  var LANG = cfg.lang;
  var map, data, colours;
  var layers = {};          // option key -> Leaflet layer (built on first use)
  var active = {};          // option key -> shown
  var legendBody, layersBody, checkGroup;
  var measuring = false;

  // ------------------------------------------------------------------------------------------
  // DOM helpers: text only
  // ------------------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') { node.textContent = attrs[k]; }
      else if (k === 'className') { node.className = attrs[k]; }
      else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) {
        node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
      }
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) {
      return values[k] === undefined || values[k] === null ? '' : String(values[k]);
    });
  }

  var numberFormat = new Intl.NumberFormat(LANG === 'vi' ? 'vi-VN' : 'en-GB',
                                           {maximumFractionDigits: 0});
  function num(v, digits) {
    if (v === null || v === undefined || v === '') { return '–'; }
    if (digits) {
      return new Intl.NumberFormat(LANG === 'vi' ? 'vi-VN' : 'en-GB',
        {minimumFractionDigits: digits, maximumFractionDigits: digits}).format(v);
    }
    return numberFormat.format(v);
  }
  function pct(v) { return v === null || v === undefined ? '–' : num(v * 100) + ' %'; }

  function tip(title, rows) {
    var box = el('div', {className: 'cg-tip'}, [el('strong', {text: title})]);
    rows.forEach(function (r) {
      if (r[1] !== null && r[1] !== undefined && r[1] !== '') {
        box.appendChild(el('div', {}, [el('span', {className: 'cg-k', text: r[0] + ': '}),
                                       String(r[1])]));
      }
    });
    return box;
  }

  function operatorColour(op) {
    if (cfg.operator_colours[op]) { return cfg.operator_colours[op]; }
    return '#777777';
  }

  // ------------------------------------------------------------------------------------------
  // Layers
  // ------------------------------------------------------------------------------------------

  // The class of a hamlet's share: 0 covered (at its target), then one class per lower
  // bound of colours.share_bins (style.SHARE_BINS, sent with the map), then the rest;
  // -1 for no data.
  function shareClass(share, covered) {
    if (covered === true) { return 0; }
    if (share === null || share === undefined) { return -1; }
    var bins = colours.share_bins;
    for (var i = 0; i < bins.length; i++) {
      if (share >= bins[i]) { return i + 1; }
    }
    return bins.length + 1;
  }

  function hamletLayer(shareKey, coveredKey) {
    return L.geoJSON(data.layers.hamlets, {
      style: function (f) {
        var k = shareClass(f.properties[shareKey], f.properties[coveredKey]);
        return {color: '#333', weight: 1.5, fillOpacity: 0.45,
                fillColor: k < 0 ? colours.no_data : colours.share[k]};
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindTooltip(function () {
          return tip(p.name || p.id, [[W.hamlet_id, p.id], [W.households, num(p.households)],
            [W.share_mbb, pct(p.mbb_share)], [W.share_ftth, pct(p.ftth_share)],
            [W.mbb_target, p.mbb_covered === null ? null : (p.mbb_covered ? W.yes : W.no)],
            [W.ftth_target, p.ftth_covered === null ? null : (p.ftth_covered ? W.yes : W.no)]]);
        }, {sticky: true});
      }
    });
  }

  function hamletNames() {
    var group = L.layerGroup();
    L.geoJSON(data.layers.hamlets).eachLayer(function (l) {
      var p = l.feature.properties;
      L.tooltip({permanent: true, direction: 'center', className: 'cg-label',
                 interactive: false})
        .setLatLng(l.getBounds().getCenter())
        .setContent(el('span', {text: p.name || p.id}))
        .addTo(group);
    });
    return group;
  }

  var canvas = null;  // households can be tens of thousands: drawn on a canvas

  function pointLayer(fc, style, tooltip, onCanvas) {
    if (onCanvas && canvas === null) { canvas = L.canvas({padding: 0.2}); }
    return L.geoJSON(fc, {
      pointToLayer: function (f, latlng) {
        var options = style(f);
        if (onCanvas) { options.renderer = canvas; }
        return L.circleMarker(latlng, options);
      },
      style: style,
      onEachFeature: function (f, layer) {
        if (tooltip) { layer.bindTooltip(function () { return tooltip(f.properties); }); }
      }
    });
  }

  function towerTip(p) {
    return tip(W.tower + ' ' + p.tower_id, [[W.operators, p.operators],
      [W.technologies, p.technologies], [W.status, W['status_' + p.status] || p.status],
      [W.territory, p.inside_unit ? W.inside_unit : W.outside_unit]]);
  }

  function householdStyle(key) {
    return function (f) {
      var yes = f.properties[key];
      return {radius: 3, weight: 1.2, color: yes ? colours.covered : colours.not_covered,
              fillColor: yes ? colours.covered : '#ffffff', fillOpacity: yes ? 0.9 : 0.6};
    };
  }

  // Panes, bottom to top: the terrain (below every layer), the coverage rasters (under the
  // vectors, whose outlines stay visible), the vectors, then a check's coverage.
  var PANES = {'cg-terrain': 250, 'cg-rasters': 350, 'cg-check': 450};

  function imageLayer(key, opacity, pane) {
    var img = data.images[key];
    return L.imageOverlay(img.url, img.bounds, {opacity: opacity, alt: '',
                                                pane: pane || 'cg-rasters'});
  }

  var BUILD = {
    hillshade: function () { return imageLayer('hillshade', 1, 'cg-terrain'); },
    commune: function () {
      return L.geoJSON(data.layers.commune, {interactive: false,
        style: {color: colours.commune, weight: 2.5, dashArray: '8 5', fill: false}});
    },
    unit: function () {
      return L.geoJSON(data.layers.unit, {interactive: false,
        style: {color: colours.unit, weight: 3.5, fill: false}});
    },
    roads: function () {
      return L.geoJSON(data.layers.roads, {interactive: false,
        style: function (f) {
          var big = ['motorway', 'trunk', 'primary'].indexOf(f.properties.road_class) >= 0;
          return {color: colours.roads, weight: big ? 3 : 1.2, opacity: 0.8};
        }});
    },
    railway: function () {
      return L.geoJSON(data.layers.railway, {interactive: false,
        style: {color: colours.railway, weight: 2, dashArray: '10 6'}});
    },
    hamlets_mbb: function () { return hamletLayer('mbb_share', 'mbb_covered'); },
    hamlets_ftth: function () { return hamletLayer('ftth_share', 'ftth_covered'); },
    hamlet_names: hamletNames,
    cells: function () {
      return L.geoJSON(data.layers.cells, {
        style: function (f) {
          var planned = f.properties.status === 'planned';
          return {color: f.properties.colour, weight: 1, fillOpacity: planned ? 0.15 : 0.45,
                  dashArray: planned ? '4 3' : null};
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindTooltip(function () {
            return tip(p.site_id, [[W.operator, p.operator], [W.technology, p.technology],
              [W.band_mhz, p.band_mhz], [W.azimuth_deg, p.azimuth_deg],
              [W.height_m, p.height_m], [W.status, W['status_' + p.status] || p.status]]);
          });
        }
      });
    },
    towers: function () {
      return pointLayer(data.layers.towers, function (f) {
        var p = f.properties;
        return {radius: 6, weight: 2, color: p.inside_unit ? '#111' : '#777',
                fillColor: '#ffffff', fillOpacity: p.status === 'planned' ? 0.2 : 1,
                dashArray: p.status === 'planned' ? '3 2' : null};
      }, towerTip);
    },
    level_4G: function () { return imageLayer('level_4G', 0.8); },
    level_5G: function () { return imageLayer('level_5G', 0.8); },
    covered_mobile_broadband: function () {
      return imageLayer('covered_mobile_broadband', 0.7);
    },
    households_mbb: function () {
      return pointLayer(data.layers.households, householdStyle('mbb_covered'), function (p) {
        return tip(W.household + ' ' + p.id, [[W.hamlet_id, p.hamlet_id],
          [W.share_mbb, p.mbb_covered ? W.covered : W.not_covered]]);
      }, true);
    },
    households_ftth: function () {
      return pointLayer(data.layers.households, householdStyle('ftth_passed'), function (p) {
        return tip(W.household + ' ' + p.id, [[W.hamlet_id, p.hamlet_id],
          [W.share_ftth, p.ftth_passed ? W.passed : W.not_passed]]);
      }, true);
    },
    fibre_routes: function () {
      return L.geoJSON(data.layers.fibre_routes, {
        style: function (f) { return {color: operatorColour(f.properties.operator), weight: 3}; },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindTooltip(function () {
            return tip(p.name || W.fibre_route, [[W.operator, p.operator],
              [W.length, p.length_m === null ? null : num(p.length_m) + ' m']]);
          }, {sticky: true});
        }
      });
    },
    access_points: function () {
      return pointLayer(data.layers.access_points, function (f) {
        return {radius: f.properties.kind === 'splitter' ? 5 : 3.5, weight: 1, color: '#222',
                fillColor: operatorColour(f.properties.operator), fillOpacity: 0.9};
      }, function (p) {
        return tip(p.ap_id, [[W.operator, p.operator], [W.kind, p.kind],
          [W.ports, p.ports_total === null ? null :
            fmt(W.ports_used, {used: num(p.ports_used), total: num(p.ports_total)})]]);
      });
    },
    extensions: function () {
      return L.geoJSON(data.layers.extensions, {
        style: {color: colours.extension, weight: 4, dashArray: '6 4'},
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindTooltip(function () {
            return tip(W.extension + ' ' + p.hamlet_id, [[W.cable, num(p.cable_m) + ' m'],
              [W.boxes, p.boxes], [W.cost, num(p.cost_vnd) + ' đ']]);
          }, {sticky: true});
        }
      });
    },
    suggestions: function () {
      return pointLayer(data.layers.suggestions, function () {
        return {radius: 10, weight: 3, color: colours.suggested, fillColor: colours.suggested,
                fillOpacity: 0.25, dashArray: '4 3'};
      }, function (p) {
        return tip(fmt(W.suggestion_n, {rank: p.rank}), [[W.tower, p.tower_id],
          [W.households_gained, num(p.households_gained)], [W.m4_after, pct(p.m4_after)]]);
      });
    },
    sharing: function () {
      return L.geoJSON(data.layers.sharing, {
        style: {color: '#000', weight: 5, opacity: 0.6, dashArray: '2 6'},
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindTooltip(function () {
            return tip(W.sharing_pair, [[W.tower, p.tower_a + ' – ' + p.tower_b],
              [W.distance, num(p.distance_m) + ' m']]);
          }, {sticky: true});
        }
      });
    },
    constraints: function () {
      return pointLayer(data.layers.constraints, function () {
        return {radius: 6, weight: 2, color: colours.constraint, fillColor: '#ffffff',
                fillOpacity: 0.8};
      }, function (p) {
        return tip(p.name || p.constraint_id, [[W.kind, cfg.kinds[p.kind] || p.kind],
          [W.min_distance, p.min_distance_m === null ? null : num(p.min_distance_m) + ' m']]);
      });
    }
  };

  function has(key) {
    if (key === 'none' || key === 'check') { return true; }
    if (BUILD[key] === undefined) { return false; }
    if (data.images[key] !== undefined) { return true; }
    var fc = data.layers[key.replace(/_(mbb|ftth)$/, '')];
    if (key === 'hamlet_names') { fc = data.layers.hamlets; }
    if (!(fc && fc.features && fc.features.length)) { return false; }
    var needs = {hamlets_ftth: 'ftth_share', households_ftth: 'ftth_passed'}[key];
    return !needs || fc.features.some(function (f) {
      return f.properties[needs] !== null && f.properties[needs] !== undefined;
    });
  }

  function show(key, on) {
    active[key] = on;
    if (key === 'none') { return; }
    if (key === 'check') {
      if (on) { checkGroup.addTo(map); } else { map.removeLayer(checkGroup); }
    } else {
      if (on && !layers[key]) { layers[key] = BUILD[key](); }
      if (layers[key]) {
        if (on) { tag(layers[key].addTo(map), 'cg-l-' + key); }
        else { map.removeLayer(layers[key]); }
      }
    }
    if (checkGroup && map.hasLayer(checkGroup)) { checkGroup.eachLayer(bringFront); }
    renderLegend();
  }

  function bringFront(l) { if (l.bringToFront) { l.bringToFront(); } }

  // Each drawn element carries the class of its layer (cg-l-KEY): styles and tests find it.
  function tag(layer, name) {
    if (layer.eachLayer) { layer.eachLayer(function (l) { tag(l, name); }); }
    else if (layer.getElement && layer.getElement()) { layer.getElement().classList.add(name); }
    return layer;
  }

  // Groups of the layer panel: radio options exclude each other within a group.
  var GROUPS = [
    {title: 'group_hamlets', radio: ['hamlets_mbb', 'hamlets_ftth', 'none'],
     checks: ['hamlet_names'], on: ['hamlets_mbb', 'hamlet_names']},
    {title: 'group_mobile', checks: ['cells', 'towers'],
     radio: ['none', 'level_4G', 'level_5G', 'covered_mobile_broadband'],
     on: ['cells', 'towers', 'none']},
    {title: 'group_households', radio: ['none', 'households_mbb', 'households_ftth'],
     on: ['none']},
    {title: 'group_fibre', checks: ['fibre_routes', 'access_points', 'extensions'], on: []},
    {title: 'group_plan', checks: ['suggestions', 'sharing', 'constraints'],
     on: ['suggestions']},
    {title: 'group_check', checks: ['check'], on: ['check']},
    {title: 'group_background', checks: ['hillshade', 'unit', 'commune', 'roads', 'railway'],
     on: ['hillshade', 'unit', 'commune', 'roads', 'railway']}
  ];

  // The commune layer beside the 2025 unit is the old commune the plan was adopted for.
  function layerWord(key) {
    if (key === 'commune' && has('unit')) { return W.layer_commune_old; }
    if (key === 'unit' && data.layers.unit) {
      return fmt(W.layer_unit, {name: data.layers.unit.features[0].properties.name});
    }
    return W['layer_' + key] || key;
  }

  function optionRow(group, key, radio) {
    var id = 'cg-layer-' + group.title + '-' + key;
    var input = el('input', {type: radio ? 'radio' : 'checkbox', id: id,
                             'data-layer': key});
    if (radio) { input.name = 'cg-' + group.title; }
    input.checked = group.on.indexOf(key) >= 0;
    input.addEventListener('change', function () {
      if (radio) {
        group.radio.forEach(function (k) { if (k !== key && active[k]) { show(k, false); } });
      }
      show(key, input.checked);
    });
    return el('label', {'for': id, className: 'cg-option'},
              [input, ' ', layerWord(key)]);
  }

  function collapsible(title, id) {
    // folded at start on a small map (a phone), where open panels covered two thirds of it
    var open = !window.matchMedia || !window.matchMedia('(max-width: 760px)').matches;
    var box = el('div', {className: 'leaflet-control cg-panel', id: id});
    var body = el('div', {className: 'cg-panel-body', id: id + '-body'});
    var button = el('button', {type: 'button', className: 'cg-panel-head',
                               'aria-expanded': open ? 'true' : 'false',
                               'aria-controls': id + '-body'},
                    [title]);
    body.hidden = !open;
    button.addEventListener('click', function () {
      var open = button.getAttribute('aria-expanded') !== 'true';
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
      body.hidden = !open;
    });
    box.appendChild(button);
    box.appendChild(body);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return {box: box, body: body};
  }

  function layerControl() {
    var ctl = L.control({position: 'topright'});
    ctl.onAdd = function () {
      var panel = collapsible(W.layers, 'cg-layers');
      layersBody = panel.body;
      GROUPS.forEach(function (g) {
        var rows = [];
        (g.radio || []).forEach(function (k) { if (has(k)) { rows.push(optionRow(g, k, true)); } });
        (g.checks || []).forEach(function (k) { if (has(k)) { rows.push(optionRow(g, k, false)); } });
        if ((g.radio || []).filter(function (k) { return k !== 'none' && has(k); }).length === 0) {
          rows = rows.filter(function (r) {
            return r.querySelector('input').getAttribute('data-layer') !== 'none';
          });
        }
        if (rows.length) {
          layersBody.appendChild(el('fieldset', {className: 'cg-group'},
            [el('legend', {text: W[g.title]})].concat(rows)));
        }
      });
      return panel.box;
    };
    return ctl;
  }

  // ------------------------------------------------------------------------------------------
  // Legend: a section per layer shown
  // ------------------------------------------------------------------------------------------

  function swatch(kind, colour, label) {
    var s = el('span', {className: 'cg-swatch cg-swatch-' + kind});
    s.style.setProperty('--c', colour);
    return el('div', {className: 'cg-row'}, [s, label]);
  }

  function rgba(c) { return 'rgba(' + c[0] + ',' + c[1] + ',' + c[2] + ',' + (c[3] / 255) + ')'; }

  function legendSections() {
    var out = [];
    var shareRows = function () {
      // one row per class of shareClass: the target, each bound of colours.share_bins, the rest
      var bins = colours.share_bins.map(function (b) { return Math.round(b * 1000) / 10; });
      var rows = [swatch('box', colours.share[0], W.class_target)];
      bins.forEach(function (lo, i) {
        rows.push(swatch('box', colours.share[i + 1], i === 0 ? fmt(W.class_from, {lo: lo})
                                                             : fmt(W.class_between,
                                                                   {lo: lo, hi: bins[i - 1]})));
      });
      rows.push(swatch('box', colours.share[bins.length + 1],
                       fmt(W.class_low, {hi: bins[bins.length - 1]})));
      rows.push(swatch('box', colours.no_data, W.no_data));
      return rows;
    };
    if (active.hamlets_mbb) { out.push([W.layer_hamlets_mbb, shareRows()]); }
    if (active.hamlets_ftth) { out.push([W.layer_hamlets_ftth, shareRows()]); }
    ['4G', '5G'].forEach(function (t) {
      if (active['level_' + t] && data.levels[t]) {
        out.push([W['layer_level_' + t], data.levels[t].map(function (c, i) {
          var label = c[0] === null ? fmt(W.level_below, {dbm: data.levels[t][i - 1][0]})
                                    : fmt(W.level_from, {dbm: c[0]});
          return swatch('box', rgba(c[1]), label);
        })]);
      }
    });
    if (active.covered_mobile_broadband) {
      out.push([W.layer_covered_mobile_broadband,
                [swatch('box', rgba(colours.levels[1]), W.covered)]]);
    }
    if (active.cells || active.fibre_routes || active.access_points) {
      var ops = {};
      ['cells', 'fibre_routes', 'access_points'].forEach(function (k) {
        if (active[k] && data.layers[k]) {
          data.layers[k].features.forEach(function (f) { ops[f.properties.operator] = 1; });
        }
      });
      out.push([W.operators, Object.keys(ops).sort().map(function (o) {
        return swatch('box', operatorColour(o), o);
      })]);
    }
    if (active.towers) {
      out.push([W.layer_towers, [swatch('ring', '#111', W.status_existing),
                                 swatch('dashed', '#111', W.status_planned),
                                 swatch('ring', '#777', W.outside_unit)]]);
    }
    if (active.households_mbb || active.households_ftth) {
      var mbb = active.households_mbb;
      out.push([mbb ? W.layer_households_mbb : W.layer_households_ftth,
                [swatch('dot', colours.covered, mbb ? W.covered : W.passed),
                 swatch('hollow', colours.not_covered, mbb ? W.not_covered : W.not_passed)]]);
    }
    if (active.extensions) { out.push([W.layer_extensions, [swatch('line', colours.extension, W.extension)]]); }
    if (active.suggestions) { out.push([W.layer_suggestions, [swatch('ring', colours.suggested, W.suggested_site)]]); }
    if (active.check && checkGroup.getLayers().length) {
      out.push([W.layer_check, [swatch('hatch', '#000', W.check_new),
                                swatch('box', rgba(colours.check_already), W.check_already),
                                swatch('ring', '#000', W.check_rf),
                                swatch('dashed', '#000', W.check_sharing)]]);
    }
    if (!data.images.hillshade) { out.push([W.background, [el('p', {text: W.no_dem})]]); }
    else if (active.hillshade) { out.push([W.background, [el('p', {text: W.hillshade_note})]]); }
    return out;
  }

  function renderLegend() {
    if (!legendBody) { return; }
    clear(legendBody);
    legendSections().forEach(function (s) {
      legendBody.appendChild(el('div', {className: 'cg-section'},
        [el('div', {className: 'cg-head', text: s[0]})].concat(s[1])));
    });
  }

  function legendControl() {
    var ctl = L.control({position: 'topright'});
    ctl.onAdd = function () {
      var panel = collapsible(W.legend, 'cg-legend');
      legendBody = panel.body;
      return panel.box;
    };
    return ctl;
  }

  // ------------------------------------------------------------------------------------------
  // Pointer coordinates (VN-2000 from the app, at most one request at a time)
  // ------------------------------------------------------------------------------------------

  function coordsControl() {
    var ctl = L.control({position: 'bottomleft'});
    var wgs, vn, pending = null, busy = false, last = 0;
    function ask() {
      if (busy || pending === null) { return; }
      var wait = 150 - (Date.now() - last);
      if (wait > 0) { setTimeout(ask, wait); return; }
      var p = pending;
      pending = null;
      busy = true;
      last = Date.now();
      fetch('/api/coords?lon=' + p.lng.toFixed(6) + '&lat=' + p.lat.toFixed(6))
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (c) {
          if (c && c.xy_in_area_of_use === false) {  // not the zone's cadastral x/y
            vn.textContent = fmt(W.pointer_outside_zone, {crs: c.xy_crs_code || c.xy_crs});
          } else if (c) {
            vn.textContent = fmt(W.pointer_xy, {crs: c.xy_crs_code || c.xy_crs,
                                                x: c.x.toFixed(1), y: c.y.toFixed(1)});
          }
        })
        .catch(function () { vn.textContent = ''; })
        .then(function () { busy = false; ask(); });
    }
    ctl.onAdd = function () {
      wgs = el('div', {id: 'cg-pointer-wgs', text: W.pointer_help});
      vn = el('div', {id: 'cg-pointer-vn'});
      var box = el('div', {className: 'leaflet-control cg-coords', id: 'cg-coords'},
                   [wgs, vn]);
      map.on('mousemove', function (e) {
        wgs.textContent = fmt(W.pointer_lonlat, {lat: e.latlng.lat.toFixed(6),
                                                 lon: e.latlng.lng.toFixed(6)});
        pending = e.latlng;
        ask();
      });
      return box;
    };
    return ctl;
  }

  // ------------------------------------------------------------------------------------------
  // Measuring: click, click, distance in metres
  // ------------------------------------------------------------------------------------------

  function measureControl() {
    var ctl = L.control({position: 'topleft'});
    var group = L.layerGroup(), start = null, line = null, out, button;
    function reset() { group.clearLayers(); start = null; line = null; }
    function label(a, b) { return num(map.distance(a, b)) + ' m'; }
    function toggle(on) {
      measuring = on;
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
      map.getContainer().classList.toggle('cg-measuring', on);
      out.textContent = on ? W.measure_help : '';
      reset();
      if (on) { group.addTo(map); } else { map.removeLayer(group); }
    }
    ctl.click = function (latlng) {
      if (start === null || line === null || line.done) {
        reset();
        start = latlng;
        L.circleMarker(latlng, {radius: 4, color: '#000'}).addTo(group);
        line = L.polyline([latlng, latlng], {color: '#000', dashArray: '6 4'}).addTo(group);
        out.textContent = W.measure_second;
        return;
      }
      line.setLatLngs([start, latlng]);
      line.done = true;
      L.circleMarker(latlng, {radius: 4, color: '#000'}).addTo(group);
      var text = label(start, latlng);
      line.bindTooltip(el('span', {text: text}), {permanent: true, className: 'cg-measure-label'})
        .openTooltip();
      out.textContent = fmt(W.measure_result, {distance: text});
    };
    ctl.onAdd = function () {
      button = el('button', {type: 'button', id: 'cg-measure', 'aria-pressed': 'false',
                             title: W.measure_help}, [W.measure]);
      out = el('div', {id: 'cg-measure-out', 'aria-live': 'polite'});
      button.addEventListener('click', function () { toggle(!measuring); });
      map.on('mousemove', function (e) {
        if (measuring && line && !line.done) {
          line.setLatLngs([start, e.latlng]);
          out.textContent = fmt(W.measure_result, {distance: label(start, e.latlng)});
        }
      });
      document.addEventListener('keydown', function (e) {
        if (e.key === 'Escape' && measuring) { toggle(false); }
      });
      var box = el('div', {className: 'leaflet-control leaflet-bar cg-measure'}, [button, out]);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    return ctl;
  }

  // ------------------------------------------------------------------------------------------
  // Search: hamlets, towers, cells (site ids), suggested sites, boxes
  // ------------------------------------------------------------------------------------------

  function fold(s) {
    return String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, 'd').toLowerCase();
  }

  function searchIndex() {
    var items = [];
    function add(fc, kind, label, sub) {
      if (!fc) { return; }
      fc.features.forEach(function (f) {
        var l = L.geoJSON(f);
        var p = f.properties;
        items.push({kind: kind, label: label(p), sub: sub ? sub(p) : '',
                    bounds: l.getBounds(), key: fold(label(p) + ' ' + (sub ? sub(p) : ''))});
      });
    }
    add(data.layers.hamlets, W.hamlet, function (p) { return p.name || p.id; },
        function (p) { return p.id; });
    add(data.layers.towers, W.tower, function (p) { return p.tower_id; },
        function (p) { return p.operators; });
    add(data.layers.cells, W.cell, function (p) { return p.site_id; },
        function (p) { return p.tower_id; });
    add(data.layers.suggestions, W.suggested_site,
        function (p) { return fmt(W.suggestion_n, {rank: p.rank}); },
        function (p) { return p.tower_id || ''; });
    add(data.layers.access_points, W.access_point, function (p) { return p.ap_id; },
        function (p) { return p.operator; });
    return items;
  }

  function setUpSearch() {
    var input = document.getElementById('cg-search');
    var list = document.getElementById('cg-search-results');
    var items = searchIndex();
    function go(item) {
      var b = item.bounds;
      if (b.getNorthEast().equals(b.getSouthWest())) { map.setView(b.getCenter(), 17); }
      else { map.fitBounds(b, {maxZoom: 17}); }
      var mark = L.circleMarker(b.getCenter(), {radius: 16, color: '#000', weight: 3,
                                                fill: false}).addTo(map);
      setTimeout(function () { map.removeLayer(mark); }, 2500);
      clear(list);
    }
    function update() {
      clear(list);
      var q = fold(input.value.trim());
      if (!q) { return; }
      var words = q.split(/\s+/);
      var found = items.filter(function (it) {
        return words.every(function (w) { return it.key.indexOf(w) >= 0; });
      }).slice(0, 12);
      if (!found.length) { list.appendChild(el('li', {className: 'cg-none', text: W.no_match})); }
      found.forEach(function (it) {
        var b = el('button', {type: 'button', className: 'cg-hit'},
                   [el('span', {className: 'cg-hit-kind', text: it.kind}), ' ',
                    el('span', {className: 'cg-hit-label', text: it.label}), ' ',
                    el('span', {className: 'cg-hit-sub', text: it.sub})]);
        b.addEventListener('click', function () { go(it); });
        list.appendChild(el('li', {role: 'option'}, [b]));
      });
    }
    input.addEventListener('input', update);
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') {
        e.preventDefault();
        var first = list.querySelector('button');
        if (first) { first.click(); }
      }
    });
  }

  // ------------------------------------------------------------------------------------------
  // The tower check
  // ------------------------------------------------------------------------------------------

  function field(name) { return document.getElementById('cg-' + name); }
  function mode() { return document.querySelector('input[name="mode"]:checked').value; }

  function setMode(m) {
    document.querySelector('input[name="mode"][value="' + m + '"]').checked = true;
    field('lonlat').hidden = m !== 'lonlat';
    field('xy').hidden = m !== 'xy';
  }

  function updatePlaceholders() {
    var d = cfg.defaults[field('technology').value] || {};
    ['band_mhz', 'height_m', 'eirp_dbm'].forEach(function (k) {
      field(k).placeholder = d[k] === undefined ? '' : fmt(W.default_value, {value: d[k]});
    });
  }

  function query() {
    var q = new URLSearchParams();
    var names = mode() === 'lonlat' ? ['lon', 'lat'] : ['x', 'y', 'crs'];
    names.concat(['operator', 'technology', 'band_mhz', 'height_m', 'azimuth_deg', 'eirp_dbm',
                  'request_id', 'applicant']).forEach(function (k) {
      var v = field(k).value;
      if (v && v.trim()) { q.set(k, v.trim()); }
    });
    return q;
  }

  function showError(message) {
    var box = document.getElementById('cg-error');
    clear(box);
    box.appendChild(el('strong', {text: W.error}));
    box.appendChild(el('p', {text: message}));
    box.hidden = false;
  }

  function table(rows, head) {
    var t = el('table', {className: 'cg-table'});
    if (head) { t.appendChild(el('tr', {}, head.map(function (h) { return el('th', {text: h}); }))); }
    rows.forEach(function (r) {
      t.appendChild(el('tr', {className: r.bad ? 'cg-bad' : ''},
        r.cells.map(function (c) {
          if (c instanceof Node) { return el('td', {}, [c]); }
          return el('td', {text: c === null ? '–' : String(c)});
        })));
    });
    return t;
  }

  function location(doc) {
    var loc = doc.location;
    if (loc.hamlet_id) {
      return fmt(W.in_hamlet, {id: loc.hamlet_id, name: loc.hamlet_name || ''});
    }
    return fmt(W.near_hamlet, {inside: loc.inside_commune ? W.inside_unit : W.outside_unit,
                               id: loc.nearest_hamlet_id,
                               distance: num(loc.nearest_hamlet_distance_m)});
  }

  function gainRows(g) {
    if (g.households_newly_covered === undefined) {
      return [{cells: [W.area_newly_covered, num(g.area_newly_covered_km2, 3) + ' km²']}];
    }
    return [{cells: [W.households_newly_covered, num(g.households_newly_covered)]},
            {cells: [W.households_newly_covered_by_operator,
                     num(g.households_newly_covered_by_operator)]},
            {cells: [W.hamlets_newly_covered, (g.hamlets_newly_covered || []).join(', ') || W.none]},
            {cells: [W.m4, pct(g.m4_before) + ' → ' + pct(g.m4_after)]}];
  }

  function renderCheck(doc, view) {
    var box = document.getElementById('cg-result');
    clear(box);
    var pt = doc.point;
    var links = el('p', {className: 'cg-links'}, [
      el('a', {href: view.page_url, target: '_blank', rel: 'noopener', id: 'cg-print',
               className: 'cg-button', text: W.print}), ' ',
      el('a', {href: view.kml_url, download: 'check.kml', id: 'cg-kml', text: W.kml})]);
    box.appendChild(el('h2', {text: W.result}));
    box.appendChild(el('div', {className: 'cg-verdict cg-v-' + view.verdict, id: 'cg-verdict',
                               'data-verdict': view.verdict},
                       [el('span', {className: 'cg-verdict-label', text: W.verdict + ': '}),
                        el('strong', {text: view.verdict_text})]));
    box.appendChild(el('ul', {id: 'cg-reasons'}, view.reasons.map(function (r) {
      return el('li', {text: r});
    })));
    box.appendChild(links);
    box.appendChild(el('h3', {text: W.where}));
    box.appendChild(table([
      {cells: [W.place, location(doc)]},
      {cells: [fmt(W.point_lonlat, {crs: pt.lonlat_crs}),
               pt.lat.toFixed(6) + ', ' + pt.lon.toFixed(6)]},
      {cells: [fmt(W.point_xy, {crs: pt.xy_crs}),
               'x ' + pt.x.toFixed(3) + ', y ' + pt.y.toFixed(3)]}]));
    box.appendChild(el('h3', {text: W.gain}));
    box.appendChild(table(gainRows(doc.coverage_gain)));
    box.appendChild(el('h3', {text: W.sharing}));
    box.appendChild(el('p', {id: 'cg-sharing', text: view.sharing}));
    box.appendChild(table(doc.nearest_towers.map(function (t) {
      return {cells: [t.tower_id, num(t.distance_m) + ' m', t.operators,
                      W['status_' + t.status] || t.status]};
    }), [W.tower, W.distance, W.operators, W.status]));
    box.appendChild(el('h3', {text: W.rules}));
    box.appendChild(table(view.rules.map(function (r) {
      var what = el('span', {}, [r.rule, el('small', {className: 'cg-basis',
                                                      text: W.basis + ': ' + r.basis})]);
      // the server words a result other than met / not met (a band the limit does not cover)
      var result = r.result || (r.ok ? W.ok : W.not_ok);
      return {bad: !r.ok, cells: [what, r.value, r.limit, result]};
    }), [W.rule, W.value, W.limit, W.result_col]));
    if (doc.exposure) {
      box.appendChild(el('p', {className: 'cg-note', text: fmt(W.exposure_summary, {
        distance: num(doc.exposure.compliance_distance_m, 1),
        places: num(doc.exposure.places_checked),
        ratio: num(doc.exposure.max_ratio * 100, 1)})}));
    }
    box.hidden = false;
    box.scrollIntoView({block: 'start'});
  }

  var VERDICT_COLOURS = {'ok': '#009E73', 'share-instead': '#56B4E9', 'review': '#E69F00',
                         'conflict': '#D55E00', 'outside-unit': '#D55E00'};

  function drawCheck(doc, view) {
    checkGroup.clearLayers();
    var ll = [doc.point.lat, doc.point.lon];
    var marks = {pane: 'markerPane'};  // above the check's coverage
    L.circle(ll, L.extend({radius: doc.sharing.max_distance_m, color: '#000', weight: 1.5,
                           dashArray: '6 5', fill: false, interactive: false}, marks))
      .addTo(checkGroup);
    if (doc.exposure) {
      L.circle(ll, L.extend({radius: Math.max(doc.exposure.compliance_distance_m, 1),
                             color: '#000', weight: 2, fill: false, interactive: false},
                            marks)).addTo(checkGroup);
    }
    L.circleMarker(ll, L.extend({radius: 9, weight: 3, color: '#000',
                                 fillColor: VERDICT_COLOURS[view.verdict] || '#888',
                                 fillOpacity: 1}, marks))
      .bindTooltip(el('span', {text: view.verdict_text}))
      .addTo(checkGroup);
    fetch(view.coverage_url).then(function (r) { return r.json(); }).then(function (c) {
      if (c.url && checkGroup.getLayers().length) {
        L.imageOverlay(c.url, c.bounds, {opacity: 1, alt: '', pane: 'cg-check'})
          .addTo(checkGroup);
        checkGroup.eachLayer(bringFront);
      }
      renderLegend();
    }).catch(function () { renderLegend(); });
    if (!active.check) { show('check', true); syncCheckbox('check'); }
    renderLegend();
  }

  function syncCheckbox(key) {
    var box = document.querySelector('input[data-layer="' + key + '"]');
    if (box) { box.checked = !!active[key]; }
  }

  function runCheck() {
    var busy = document.getElementById('cg-busy');
    var submit = document.getElementById('cg-submit');
    document.getElementById('cg-error').hidden = true;
    busy.hidden = false;
    submit.disabled = true;
    var doc;
    return fetch('/api/check?' + query().toString())
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error(body.message || W.error); }
          doc = body;
          return fetch('/api/checks/' + r.headers.get('X-Check-Id') + '?lang=' + LANG);
        });
      })
      .then(function (r) { return r.json(); })
      .then(function (view) { renderCheck(doc, view); drawCheck(doc, view); })
      .catch(function (e) { showError(e.message || String(e)); })
      .then(function () { busy.hidden = true; submit.disabled = false; });
  }

  function setUpForm() {
    var form = document.getElementById('cg-form');
    document.querySelectorAll('input[name="mode"]').forEach(function (r) {
      r.addEventListener('change', function () { setMode(mode()); });
    });
    field('technology').addEventListener('change', updatePlaceholders);
    updatePlaceholders();
    form.addEventListener('submit', function (e) { e.preventDefault(); runCheck(); });
  }

  // ------------------------------------------------------------------------------------------
  // Start
  // ------------------------------------------------------------------------------------------

  function start(d) {
    data = d;
    colours = d.colours;
    map = L.map('cg-map', {zoomControl: true});
    Object.keys(PANES).forEach(function (name) {
      map.createPane(name).style.zIndex = String(PANES[name]);
      map.getPane(name).style.pointerEvents = 'none';
    });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(W.attribution);
    checkGroup = L.layerGroup();
    if (d.bounds) { map.fitBounds(d.bounds, {padding: [20, 20]}); }
    else { map.setView([16, 106], 6); }
    var measure = measureControl();
    measure.addTo(map);
    layerControl().addTo(map);
    legendControl().addTo(map);
    coordsControl().addTo(map);
    L.control.scale({position: 'bottomleft', imperial: false}).addTo(map);
    GROUPS.forEach(function (g) {
      g.on.forEach(function (k) { if (has(k) && k !== 'none') { show(k, true); } });
    });
    map.on('click', function (e) {
      if (measuring) { measure.click(e.latlng); return; }
      setMode('lonlat');
      field('lat').value = e.latlng.lat.toFixed(6);
      field('lon').value = e.latlng.lng.toFixed(6);
      runCheck();
    });
    renderLegend();
    setUpSearch();
    window.coverageGis = {map: map};  // for scripting the page (and its tests)
    document.body.setAttribute('data-ready', 'true');
  }

  function boot() {
    setUpForm();
    fetch('/api/map').then(function (r) {
      if (!r.ok) { throw new Error(W.map_failed); }
      return r.json();
    }).then(start).catch(function (e) { showError(e.message || String(e)); });
  }

  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', boot); }
  else { boot(); }
})();
