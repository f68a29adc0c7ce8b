// torchsd's page: AUTOMATIC1111's API from the same origin, no other script, no inline code (CSP).
'use strict';

const api = '/sdapi/v1/';
const $ = id => document.getElementById(id);
const numberFields = ['width', 'height', 'steps', 'seed', 'cfg_scale', 'batch_size'];
const textFields = ['prompt', 'negative_prompt', 'sampler_name', 'negative_start', 'negative_end'];
let polling = null;

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
  const [samplers, options, models] = await Promise.all([call('samplers'), call('options'), call('sd-models')]);
  const select = $('sampler_name');
  select.add(new Option('(the model\'s)', ''));
  samplers.forEach(s => select.add(new Option(s.name, s.name)));
  $('model').textContent = options.sd_model_checkpoint + (models.length > 1 ? ' (' + models.length + ' models)' : '');
  $('settings').addEventListener('submit', event => { event.preventDefault(); generate(); });
  $('interrupt').addEventListener('click', () => call('interrupt', {}));
}

function request() {
  const body = {send_images: true};
  numberFields.forEach(f => { body[f] = Number($(f).value); });
  textFields.forEach(f => { body[f] = $(f).value; });
  if (!body.sampler_name) delete body.sampler_name;
  return body;
}

async function generate() {
  $('error').textContent = '';
  $('generate').disabled = true;
  $('interrupt').disabled = false;
  polling = setInterval(poll, 400);
  const body = request();
  try {
    const result = await call('txt2img', body);
    const info = JSON.parse(result.info);
    result.images.forEach((image, i) => show(image, info.infotexts[i], Object.assign({}, body, {seed: info.all_seeds[i]})));
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

function show(image, infotext, settings) {
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
  $('gallery').prepend(figure);
}

init().catch(e => { $('error').textContent = 'cannot reach the server: ' + e.message; });
