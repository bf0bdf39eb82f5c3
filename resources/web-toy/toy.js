/* GAN Studio's web toy: the exported generator in a static page (model.js sets window.GAN_TOY). */
'use strict';
(async () => {
  const toy = window.GAN_TOY;
  const $ = (id) => document.getElementById(id);
  const [height, width, channels] = toy.info.imageShape;
  const { latentDim, classes } = toy.info;
  const SHEET = 16;

  /** Seeded N(0, 1) draws (mulberry32 + Box–Muller): a seed gives the same sheet on every machine. */
  function normals(seed, n) {
    let s = seed >>> 0;
    const uniform = () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - uniform()));
      const a = 2 * Math.PI * uniform();
      out[i] = r * Math.cos(a);
      if (i + 1 < n) out[i + 1] = r * Math.sin(a);
    }
    return out;
  }

  const weights = Uint8Array.from(atob(toy.weights), (c) => c.charCodeAt(0)).buffer;
  await tf.setBackend('cpu');
  const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: toy.model.modelTopology, weightSpecs: toy.model.weightSpecs, weightData: weights }));

  /** N × H × W × C pictures in [-1, 1] for N latents (and N × classes class weights). */
  function generate(latents, labels) {
    const n = latents.length / latentDim;
    const images = tf.tidy(() => {
      const feeds = { z: tf.tensor2d(latents, [n, latentDim]) };
      if (classes > 0) feeds.labels = tf.tensor2d(labels, [n, classes]);
      return model.execute(feeds, 'images');
    });
    // Read after the tidy: reading inside it was slower (12 % here, 10× on TensorFlow's native backend).
    const values = images.dataSync();
    images.dispose();
    return values;
  }

  function draw(canvas, images, index) {
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    const picture = ctx.createImageData(width, height);
    const base = index * height * width * channels;
    for (let p = 0; p < height * width; p++) {
      for (let k = 0; k < 3; k++) picture.data[p * 4 + k] = Math.round((images[base + p * channels + (channels === 1 ? 0 : k)] + 1) * 127.5);
      picture.data[p * 4 + 3] = 255;
    }
    ctx.putImageData(picture, 0, 0);
  }

  const oneHot = (k) => Float32Array.from({ length: classes }, (_, i) => (i === k ? 1 : 0));
  const classOf = () => (classes > 0 ? Number($('class').value) : -1);
  const rowsOf = (n, row) => {
    const out = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) out.set(row, i * classes);
    return out;
  };

  // The picture being explored: its latent and the sliders' offsets along each direction.
  let base = new Float32Array(latentDim);
  const offsets = toy.directions.map(() => 0);
  let sheetLatents = new Float32Array(0);

  function current() {
    const z = Float32Array.from(base);
    toy.directions.forEach((d, j) => d.vector.forEach((v, i) => (z[i] += offsets[j] * v)));
    return z;
  }

  function showCurrent(z, label) {
    draw($('current'), generate(z, label ?? (classes > 0 ? oneHot(classOf()) : undefined)), 0);
  }

  function newSheet() {
    const started = performance.now();
    sheetLatents = normals(Number($('seed').value) || 0, SHEET * latentDim);
    const images = generate(sheetLatents, classes > 0 ? rowsOf(SHEET, oneHot(classOf())) : undefined);
    const sheet = $('sheet');
    sheet.replaceChildren();
    for (let i = 0; i < SHEET; i++) {
      const c = document.createElement('canvas');
      c.setAttribute('aria-label', `sample ${i + 1}`);
      draw(c, images, i);
      c.addEventListener('click', () => pick(i));
      sheet.append(c);
    }
    $('status').textContent = `${SHEET} samples in ${Math.round(performance.now() - started)} ms (TensorFlow.js, ${tf.getBackend()})`;
    pick(0);
  }

  function pick(i) {
    base = sheetLatents.slice(i * latentDim, (i + 1) * latentDim);
    offsets.fill(0);
    for (const input of $('directions').querySelectorAll('input')) input.value = '0';
    $('sheet').querySelectorAll('canvas').forEach((c, j) => c.classList.toggle('selected', i === j));
    showCurrent(current());
  }

  /** Spherical interpolation between two latents (as the studio's lab does between bookmarks). */
  function slerp(a, b, t) {
    const norm = (v) => Math.hypot(...v);
    const cos = a.reduce((s, v, i) => s + v * b[i], 0) / (norm(a) * norm(b) || 1);
    const omega = Math.acos(Math.min(1, Math.max(-1, cos)));
    if (omega < 1e-6) return a.map((v, i) => v + t * (b[i] - v));
    const [p, q] = [Math.sin((1 - t) * omega) / Math.sin(omega), Math.sin(t * omega) / Math.sin(omega)];
    return a.map((v, i) => p * v + q * b[i]);
  }

  function showBetween() {
    const [from, to] = [toy.bookmarks[Number($('from').value)], toy.bookmarks[Number($('to').value)]];
    const t = Number($('t').value);
    const label = classes > 0 ? (from.label ?? oneHot(0)).map((v, i) => (1 - t) * v + t * (to.label ?? oneHot(0))[i]) : undefined;
    showCurrent(Float32Array.from(slerp(from.latent, to.latent, t)), label && Float32Array.from(label));
  }

  // Header, class picker, sliders and bookmarks.
  $('title').textContent = `Generator of '${toy.info.run}'`;
  $('about').textContent = toy.info.description;
  if (classes > 0) {
    $('class-picker').hidden = false;
    toy.info.classNames.forEach((name, k) => $('class').append(new Option(name, String(k))));
    $('class').addEventListener('change', newSheet);
  }
  toy.directions.forEach((d, j) => {
    const label = document.createElement('label');
    const name = document.createElement('span');
    name.textContent = `direction ${j + 1} (${(d.explained * 100).toFixed(1)} %)`;
    const slider = Object.assign(document.createElement('input'), { type: 'range', min: '-3', max: '3', step: '0.1', value: '0' });
    slider.setAttribute('aria-label', `direction ${j + 1}`);
    slider.addEventListener('input', () => {
      offsets[j] = Number(slider.value);
      showCurrent(current());
    });
    label.append(name, slider);
    $('directions').append(label);
  });
  if (toy.bookmarks.length === 0) $('bookmarks-empty').hidden = false;
  else {
    $('between').hidden = false;
    toy.bookmarks.forEach((b, i) => {
      $('from').append(new Option(b.name, String(i)));
      $('to').append(new Option(b.name, String(i)));
    });
    $('to').value = String(Math.min(1, toy.bookmarks.length - 1));
    for (const id of ['from', 'to', 't']) $(id).addEventListener('input', showBetween);
  }
  $('new-sheet').addEventListener('click', () => {
    $('seed').value = String(Number($('seed').value) + 1);
    newSheet();
  });
  $('seed').addEventListener('change', newSheet);
  newSheet();
  window.toyApi = { generate: (z, labels) => Array.from(generate(Float32Array.from(z), labels && Float32Array.from(labels))) };
  document.body.dataset.state = 'ready';
})().catch((err) => {
  document.getElementById('status').textContent = `The model could not be loaded: ${err.message}`;
  document.body.dataset.state = 'failed';
});
