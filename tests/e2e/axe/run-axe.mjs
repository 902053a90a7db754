#!/usr/bin/env node
// Accessibility and offline check of static report pages in headless Chromium.
//
// Usage: node run-axe.mjs [--chromium PATH] [--screenshot DIR] [--width PX] page.html ...
//
// For each page: open it from file://, block and record every request that is not
// file: or data: (a report must load nothing from outside), inject axe-core, run the
// WCAG 2.0/2.1 A and AA rules and print one JSON array with one result per page:
//   {path, title, lang, violations: [{id, impact, help, nodes: [target, ...]}],
//    incomplete: [{id, nodes}], external_requests: [url, ...], page_errors: [...], screenshot,
//    map_links: [{title, href, focusable}] (areas of inline SVG maps), link_names: [...]}
// Exit code: 0 all clean, 1 violations or external requests found, 2 harness error.
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, rmSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

function parseArgs(argv) {
  const opts = { chromium: process.env.CHROMIUM_PATH || "/usr/bin/chromium", screenshot: null, width: 1280, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--chromium") opts.chromium = argv[++i];
    else if (arg === "--screenshot") opts.screenshot = resolve(argv[++i]);
    else if (arg === "--width") opts.width = Number(argv[++i]);
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}`);
    else opts.files.push(resolve(arg));
  }
  if (opts.files.length === 0) throw new Error("no HTML files given");
  return opts;
}

function screenshotName(file) {
  // parent folder + file name, so that two reports' index.html do not collide
  return `${basename(dirname(file))}_${basename(file, ".html")}.png`.replace(/[^\w.-]+/g, "_");
}

async function checkPage(browser, file, opts) {
  const result = { path: file, title: null, lang: null, violations: [], incomplete: [], external_requests: [], page_errors: [], screenshot: null };
  if (!existsSync(file)) {
    result.page_errors.push("file not found");
    return result;
  }
  const page = await browser.newPage();
  try {
    await page.setViewport({ width: opts.width, height: 900 });
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      const url = request.url();
      if (url.startsWith("file:") || url.startsWith("data:")) {
        request.continue();
      } else {
        if (!result.external_requests.includes(url)) result.external_requests.push(url);
        request.abort("blockedbyclient");
      }
    });
    page.on("pageerror", (error) => result.page_errors.push(String(error && error.message ? error.message : error)));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 60000 });
    result.title = await page.title();
    result.lang = await page.evaluate(() => document.documentElement.getAttribute("lang"));
    await page.evaluate(AXE_SOURCE);
    const axe = await page.evaluate(
      async (tags) =>
        await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations", "incomplete"] }),
      AXE_TAGS,
    );
    result.axe_version = axe.testEngine && axe.testEngine.version;
    result.violations = axe.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")),
    }));
    // maps: every area link as the page has it, and the names of all links as Chromium
    // exposes them to assistive technology (a map area must be a named, focusable link)
    result.map_links = await page.evaluate(() =>
      [...document.querySelectorAll("figure.inline svg a")].map((a) => ({
        title: (a.querySelector("title") || {}).textContent || "",
        href: a.getAttribute("href"),
        focusable: a.tabIndex >= 0,
      })),
    );
    const tree = await page.accessibility.snapshot({ interestingOnly: true });
    result.link_names = [];
    (function walk(node) {
      if (!node) return;
      if (node.role === "link") result.link_names.push(node.name || "");
      (node.children || []).forEach(walk);
    })(tree);
    // "incomplete" = axe could not decide (e.g. text over a gradient); review by hand
    result.incomplete = axe.incomplete.map((v) => ({
      id: v.id,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${(n.any[0] && n.any[0].message) || ""}`),
    }));
    if (opts.screenshot) {
      mkdirSync(opts.screenshot, { recursive: true });
      result.screenshot = join(opts.screenshot, screenshotName(file));
      await page.screenshot({ path: result.screenshot, fullPage: true });
    }
  } finally {
    await page.close();
  }
  return result;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(opts.chromium)) throw new Error(`Chromium not found at ${opts.chromium} (apt-get install -y chromium)`);
  const userDataDir = mkdtempSync(join(tmpdir(), "axe-chromium-"));
  let browser;
  const results = [];
  try {
    browser = await puppeteer.launch({
      executablePath: opts.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      userDataDir,
    });
    for (const file of opts.files) results.push(await checkPage(browser, file, opts));
  } finally {
    if (browser) await browser.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  // wait until the whole report is written: process.exit() would cut a large one short
  await new Promise((done) => process.stdout.write(JSON.stringify(results, null, 2) + "\n", done));
  const failed = results.some((r) => r.violations.length || r.external_requests.length || r.page_errors.length);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`run-axe: ${error && error.stack ? error.stack : error}\n`);
    process.exit(2);
  },
);
