#!/usr/bin/env node
// Layout check of static report pages in headless Chromium: do tables fit?
//
// Usage: node check-layout.mjs [--chromium PATH] [--screenshot DIR] [--no-js]
//                              [--mode screen:1280|screen:390|print]... page.html ...
//
// For each page and each mode (default: screen:1280, screen:390 and print) the page is
// opened from file:// (requests that are not file: or data: are blocked and recorded)
// and every <table> is measured against its container (the element around it):
//   {caption, rows, container_scroll, container_client, overflow, table_right,
//    main_right, region: {role, tabindex, label, labelledby_text}, sticky_first}
// "print" emulates the print media type at the width of the printable A4 portrait area
// (210 mm − 2 × 16 mm page margin = 178 mm ≈ 673 CSS px, see sozialbericht.css @page).
// With --screenshot a full-page PNG per page and mode is written; with --no-js the pages
// are opened with JavaScript disabled. Every <details> is opened before measuring.
// Prints one JSON array:
//   [{path, mode, js, tables: [...], external_requests, page_errors, screenshot,
//     body_scroll, body_client}]
// Exit code: 0 measured, 2 harness error.
import { mkdtempSync, rmSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

export const PRINT_WIDTH = 673; // CSS px of 178 mm
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--disable-dev-shm-usage",
];

function parseArgs(argv) {
  const opts = { chromium: process.env.CHROMIUM_PATH || "/usr/bin/chromium", screenshot: null,
                 js: true, modes: [], files: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--chromium") opts.chromium = argv[++i];
    else if (arg === "--screenshot") opts.screenshot = resolve(argv[++i]);
    else if (arg === "--no-js") opts.js = false;
    else if (arg === "--mode") opts.modes.push(argv[++i]);
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}`);
    else opts.files.push(resolve(arg));
  }
  if (opts.files.length === 0) throw new Error("no HTML files given");
  if (opts.modes.length === 0) opts.modes = ["screen:1280", "screen:390", "print"];
  for (const m of opts.modes) {
    if (!/^(screen:\d+|print)$/.test(m)) throw new Error(`unknown mode ${m}`);
  }
  return opts;
}

function measureTables() {
  const text = (el) => (el ? el.textContent.replace(/\s+/g, " ").trim() : "");
  const main = document.querySelector("main");
  const mainRight = main ? main.getBoundingClientRect().right : null;
  return [...document.querySelectorAll("table")].map((table) => {
    const box = table.parentElement;
    const labelledby = box.getAttribute("aria-labelledby");
    const first = table.querySelector("tbody tr > :first-child");
    const head = table.querySelector("thead tr > :first-child");
    return {
      caption: text(table.querySelector("caption")),
      rows: table.tBodies.length ? [...table.tBodies].reduce((n, b) => n + b.rows.length, 0) : 0,
      visible_rows: [...table.querySelectorAll("tbody tr")].filter((r) => r.getClientRects().length > 0).length,
      container_scroll: box.scrollWidth,
      container_client: box.clientWidth,
      overflow: box.scrollWidth - box.clientWidth,
      table_right: table.getBoundingClientRect().right,
      table_top: Math.round(table.getBoundingClientRect().top + window.scrollY),
      table_height: Math.round(table.getBoundingClientRect().height),
      main_right: mainRight,
      region: {
        role: box.getAttribute("role"),
        tabindex: box.getAttribute("tabindex"),
        label: box.getAttribute("aria-label"),
        labelledby_text: labelledby
          ? labelledby.split(/\s+/).map((id) => text(document.getElementById(id))).join(" ")
          : null,
      },
      sticky_first: Boolean(first && head && getComputedStyle(first).position === "sticky"
                            && getComputedStyle(head).position === "sticky"),
    };
  });
}

async function checkPage(browser, file, mode, opts) {
  const result = { path: file, mode, js: opts.js, tables: [], external_requests: [], page_errors: [],
                   screenshot: null };
  const page = await browser.newPage();
  try {
    const print = mode === "print";
    const width = print ? PRINT_WIDTH : Number(mode.split(":")[1]);
    await page.setJavaScriptEnabled(opts.js);
    await page.setViewport({ width, height: 900 });
    await page.emulateMediaType(print ? "print" : "screen");
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      const url = request.url();
      if (url.startsWith("file:") || url.startsWith("data:")) request.continue();
      else {
        if (!result.external_requests.includes(url)) result.external_requests.push(url);
        request.abort("blockedbyclient");
      }
    });
    page.on("pageerror", (e) => result.page_errors.push(String(e && e.message ? e.message : e)));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 60000 });
    // a table inside a closed <details> is published too: measure it opened
    await page.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
    result.tables = await page.evaluate(measureTables);
    Object.assign(result, await page.evaluate(() => ({
      body_scroll: document.documentElement.scrollWidth,
      body_client: document.documentElement.clientWidth,
    })));
    if (opts.screenshot) {
      mkdirSync(opts.screenshot, { recursive: true });
      const name = `${basename(dirname(file))}_${basename(file, ".html")}_${mode.replace(":", "")}`
        .replace(/[^\w.-]+/g, "_");
      result.screenshot = join(opts.screenshot, `${name}.png`);
      await page.screenshot({ path: result.screenshot, fullPage: true });
    }
  } finally {
    await page.close();
  }
  return result;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(opts.chromium)) throw new Error(`Chromium not found at ${opts.chromium}`);
  const userDataDir = mkdtempSync(join(tmpdir(), "layout-chromium-"));
  let browser;
  const results = [];
  try {
    browser = await puppeteer.launch({ executablePath: opts.chromium, headless: true,
                                       args: CHROMIUM_ARGS, userDataDir });
    for (const file of opts.files) {
      for (const mode of opts.modes) results.push(await checkPage(browser, file, mode, opts));
    }
  } finally {
    if (browser) await browser.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(results, null, 2) + "\n");
  return 0;
}

// exitCode, not exit(): a large JSON on a pipe must be flushed before node ends
main().then(
  (code) => { process.exitCode = code; },
  (error) => {
    process.stderr.write(`check-layout: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 2;
  },
);
