// torchsd's page: AUTOMATIC1111's API from the same origin, no other script, no inline code (CSP).
'use strict';

const api = '/sdapi/v1/';
const $ = id => document.getElementById(id);
const numberFields = ['width', 'height', 'steps', 'seed', 'cfg_scale', 'batch_size'];
const textFields = ['prompt', 'negative_prompt', 'sampler_name', 'negative_start', 'negative_end'];
let polling = null;
let initImage = null; // {base64, width, height} of the uploaded start image, or null: text to image
let maskPainted = false;

async function call(path, body) {
  const response = await fetch(api + path, body === undefined ? {} : {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  const data = await response.json();
  if (!response.ok) {
    const detail = Array.isArray(data.detail)
      ? data.detail.map(d => d.loc.slice(1).join('.') + ': ' + d.msg).join('\n') : data.detail;
    throw new Error(response.status + ' ' + detail);
  }
  return data;
}

async function init() {
  const [samplers, options, models, loras, embeddings] = await Promise.all(
    [call('samplers'), call('options'), call('sd-models'), call('loras'), call('embeddings')]);
  const select = $('sampler_name');
  select.add(new Option('(the model\'s)', ''));
  samplers.forEach(s => select.add(new Option(s.name, s.name)));
  $('model').textContent = options.sd_model_checkpoint + (models.length > 1 ? ' (' + models.length + ' models)' : '');
  picker('lora_picker', 'add_lora', loras.map(l => l.name), name => '<lora:' + name + ':1>');
  picker('embedding_picker', 'add_embedding', Object.keys(embeddings.loaded), token => token);
  $('settings').addEventListener('submit', event => { event.preventDefault(); generate(); });
  $('interrupt').addEventListener('click', () => call('interrupt', {}));
  $('init_image').addEventListener('change', () => loadImage($('init_image').files[0]));
  $('clear_mask').addEventListener('click', clearMask);
  $('remove_image').addEventListener('click', removeImage);
  paintable($('mask'));
}

/** A select of names and its button, which inserts text(name) into the prompt at the cursor. */
function picker(selectId, buttonId, names, text) {
  const select = $(selectId);
  if (names.length === 0) return;
  select.remove(0);
  names.forEach(n => select.add(new Option(n, n)));
  $(buttonId).disabled = false;
  $(buttonId).addEventListener('click', () => {
    const prompt = $('prompt');
    const at = prompt.selectionEnd ?? prompt.value.length;
    const before = prompt.value.slice(0, at);
    const insert = (before && !/\s$/.test(before) ? ' ' : '') + text(select.value);
    prompt.value = before + insert + prompt.value.slice(at);
    prompt.focus();
    prompt.selectionStart = prompt.selectionEnd = at + insert.length;
  });
}

function loadImage(file) {
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    const img = $('init_preview');
    img.onload = () => {
      const canvas = $('mask');
      canvas.width = img.naturalWidth; // the mask has the image's size, as the API requires
      canvas.height = img.naturalHeight;
      initImage = {base64: reader.result, width: img.naturalWidth, height: img.naturalHeight};
      $('width').value = Math.floor(img.naturalWidth / 8) * 8;
      $('height').value = Math.floor(img.naturalHeight / 8) * 8;
      clearMask();
      $('canvas_box').hidden = false;
      $('remove_image').disabled = false;
    };
    img.src = reader.result;
  };
  reader.readAsDataURL(file);
}

function removeImage() {
  initImage = null;
  $('init_image').value = '';
  $('canvas_box').hidden = true;
  $('remove_image').disabled = true;
  clearMask();
}

function clearMask() {
  const canvas = $('mask');
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
  maskPainted = false;
  $('clear_mask').disabled = true;
}

/** White strokes where the pointer drags (in image pixels, whatever size the canvas is shown at). */
function paintable(canvas) {
  let last = null;
  const at = e => {
    const box = canvas.getBoundingClientRect();
    return {x: (e.clientX - box.left) * canvas.width / box.width, y: (e.clientY - box.top) * canvas.height / box.height};
  };
  const stroke = to => {
    const g = canvas.getContext('2d');
    g.strokeStyle = g.fillStyle = '#fff';
    g.lineCap = 'round';
    g.lineWidth = 2 * Number($('brush').value);
    g.beginPath();
    g.moveTo(last.x, last.y);
    g.lineTo(to.x, to.y);
    g.stroke();
    last = to;
    maskPainted = true;
    $('clear_mask').disabled = false;
  };
  canvas.addEventListener('pointerdown', e => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    stroke(at(e));
  });
  canvas.addEventListener('pointermove', e => { if (last) stroke(at(e)); });
  ['pointerup', 'pointercancel'].forEach(type => canvas.addEventListener(type, () => { last = null; }));
}

/** The painted strokes as AUTOMATIC1111's mask: white = repaint on black, the image's size. */
function maskPng() {
  const canvas = $('mask');
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const g = out.getContext('2d');
  g.fillStyle = '#000';
  g.fillRect(0, 0, out.width, out.height);
  g.drawImage(canvas, 0, 0);
  return out.toDataURL('image/png');
}

function request() {
  const body = {send_images: true, trace: $('trace').checked};
  numberFields.forEach(f => { body[f] = Number($(f).value); });
  textFields.forEach(f => { body[f] = $(f).value; });
  if (!body.sampler_name) delete body.sampler_name;
  if (initImage) {
    body.init_images = [initImage.base64];
    body.denoising_strength = Number($('denoising_strength').value);
    if (maskPainted) {
      body.mask = maskPng();
      body.mask_blur = Number($('mask_blur').value);
      body.inpaint_full_res = $('inpaint_full_res').value === 'true';
      body.inpainting_fill = Number($('inpainting_fill').value);
    }
  }
  return body;
}

async function generate() {
  $('error').textContent = '';
  $('generate').disabled = true;
  $('interrupt').disabled = false;
  polling = setInterval(poll, 400);
  const body = request();
  try {
    const result = await call(body.init_images ? 'img2img' : 'txt2img', body);
    const info = JSON.parse(result.info);
    const settings = Object.assign({}, body);
    delete settings.init_images;
    delete settings.mask;
    result.images.forEach((image, i) => show(image, info.infotexts[i], Object.assign({}, settings, {seed: info.all_seeds[i]}),
      i === 0 ? result.torchsd_trace : undefined));
  } catch (e) {
    $('error').textContent = e.message;
  } finally {
    clearInterval(polling);
    $('generate').disabled = false;
    $('interrupt').disabled = true;
    $('progress').value = 0;
    $('textinfo').textContent = '';
    $('preview').hidden = true;
  }
}

async function poll() {
  try {
    const p = await call('progress');
    $('progress').value = p.progress;
    $('textinfo').textContent = p.textinfo || '';
    if (p.current_image) {
      $('preview').src = 'data:image/png;base64,' + p.current_image;
      $('preview').hidden = false;
    }
  } catch (e) {
    // the next poll tries again
  }
}

function show(image, infotext, settings, trace) {
  const figure = document.createElement('figure');
  const img = document.createElement('img');
  img.src = 'data:image/png;base64,' + image;
  img.alt = settings.prompt;
  const caption = document.createElement('figcaption');
  const text = document.createElement('pre');
  text.className = 'infotext';
  text.textContent = infotext;
  const again = document.createElement('button');
  again.type = 'button';
  again.className = 'again';
  again.textContent = 'Use these settings again';
  again.addEventListener('click', () => {
    numberFields.concat(textFields).forEach(f => { if (settings[f] !== undefined) $(f).value = settings[f]; });
    window.scrollTo(0, 0);
  });
  caption.append(text, again);
  figure.append(img, caption);
  if (trace) figure.append(traceSheet(trace));
  $('gallery').prepend(figure);
}

/**
 * The per-step trace sheet: each U-Net call's predicted clean image x0, its timestep, whether the
 * negative prompt was active there (its start/end window) and the guidance term's size as a meter.
 */
function traceSheet(trace) {
  const sheet = document.createElement('div');
  sheet.className = 'trace';
  const largest = Math.max(1e-9, ...trace.map(c => c.guidance || 0));
  trace.forEach(c => {
    const cell = document.createElement('figure');
    cell.className = 'call' + (c.negative_active ? ' negative' : '');
    const x0 = document.createElement('img');
    x0.src = 'data:image/png;base64,' + c.x0;
    x0.alt = 'x0 at call ' + c.call;
    const label = document.createElement('figcaption');
    label.textContent = c.call + ' · t ' + Math.round(c.timestep) + (c.negative_active ? ' · neg' : '');
    cell.append(x0, label);
    if (c.guidance !== null) {
      const meter = document.createElement('meter');
      meter.min = 0;
      meter.max = largest;
      meter.value = c.guidance;
      meter.title = 'guidance ' + c.guidance.toFixed(2);
      cell.append(meter);
    }
    sheet.append(cell);
  });
  return sheet;
}

init().catch(e => { $('error').textContent = 'cannot reach the server: ' + e.message; });
