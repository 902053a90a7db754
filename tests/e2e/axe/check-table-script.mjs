#!/usr/bin/env node
// Drive the table script of a report page in headless Chromium (sorting and filtering).
//
// Usage: node check-table-script.mjs [--chromium PATH] --filter TEXT page.html
//
// For every table the script enhanced (it has a sort button in each header): click each
// header button twice (ascending, then descending; the second time with the keyboard:
// focus + Enter) and record the column's cell texts and aria-sort after each; then type
// TEXT into the table's filter field and record the visible rows and the status text;
// then clear the field. Prints one JSON object:
//   {path, page_errors, external_requests, tables: [{caption, rows, columns: [{header,
//    asc: {aria_sort, texts}, desc: {aria_sort, texts}}], filter: {visible, first_cells,
//    status}, cleared_visible}]}
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

function parseArgs(argv) {
  const opts = { chromium: process.env.CHROMIUM_PATH || "/usr/bin/chromium", filter: "", file: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--chromium") opts.chromium = argv[++i];
    else if (argv[i] === "--filter") opts.filter = argv[++i];
    else if (argv[i].startsWith("--")) throw new Error(`unknown option ${argv[i]}`);
    else opts.file = resolve(argv[i]);
  }
  if (!opts.file) throw new Error("no HTML file given");
  return opts;
}

const columnState = (t, c) => {
  const table = document.querySelectorAll("table.sortierbar")[t];
  const th = table.tHead.rows[0].cells[c];
  return {
    aria_sort: th.getAttribute("aria-sort"),
    texts: [...table.tBodies[0].rows].map((r) => r.cells[c].textContent.replace(/\u00ad/g, "").trim()),
  };
};

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const userDataDir = mkdtempSync(join(tmpdir(), "tables-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: opts.chromium, headless: true, userDataDir,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"],
  });
  const result = { path: opts.file, page_errors: [], external_requests: [], tables: [] };
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.setRequestInterception(true);
    page.on("request", (r) => {
      const url = r.url();
      if (url.startsWith("file:") || url.startsWith("data:")) r.continue();
      else { result.external_requests.push(url); r.abort("blockedbyclient"); }
    });
    page.on("pageerror", (e) => result.page_errors.push(String(e && e.message ? e.message : e)));
    await page.goto(pathToFileURL(opts.file).href, { waitUntil: "load" });
    await page.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
    const count = await page.evaluate(() => document.querySelectorAll("table.sortierbar").length);
    for (let t = 0; t < count; t++) {
      const info = await page.evaluate((t) => {
        const table = document.querySelectorAll("table.sortierbar")[t];
        return {
          caption: table.caption ? table.caption.textContent.trim() : "",
          rows: table.tBodies[0].rows.length,
          headers: [...table.tHead.rows[0].cells].map((th) => th.textContent.replace(/\u00ad/g, "").trim()),
          buttons: table.tHead.querySelectorAll("button.sortieren").length,
        };
      }, t);
      const entry = { caption: info.caption, rows: info.rows, buttons: info.buttons, columns: [] };
      for (let c = 0; c < info.headers.length; c++) {
        await page.evaluate((t, c) => {
          document.querySelectorAll("table.sortierbar")[t].tHead.rows[0].cells[c].querySelector("button").click();
        }, t, c);
        const asc = await page.evaluate(columnState, t, c);
        await page.evaluate((t, c) => {
          document.querySelectorAll("table.sortierbar")[t].tHead.rows[0].cells[c].querySelector("button").focus();
        }, t, c);
        await page.keyboard.press("Enter");
        const desc = await page.evaluate(columnState, t, c);
        entry.columns.push({ header: info.headers[c], asc, desc });
      }
      const filterId = await page.evaluate((t) => document.querySelectorAll("table.sortierbar")[t].id + "-filter", t);
      await page.focus(`#${filterId}`);
      await page.keyboard.type(opts.filter);
      entry.filter = await page.evaluate((t, id) => {
        const table = document.querySelectorAll("table.sortierbar")[t];
        const visible = [...table.tBodies[0].rows].filter((r) => r.getClientRects().length > 0);
        return {
          visible: visible.length,
          first_cells: visible.map((r) => r.cells[0].textContent.trim()),
          row_texts: visible.map((r) => r.textContent.replace(/\u00ad/g, "").replace(/\s+/g, " ").trim()),
          status: document.getElementById(id + "-status").textContent,
        };
      }, t, filterId);
      await page.evaluate((id) => {
        const input = document.getElementById(id);
        input.value = "";
        input.dispatchEvent(new Event("input"));
      }, filterId);
      entry.cleared_visible = await page.evaluate((t) => [...document.querySelectorAll("table.sortierbar")[t]
        .tBodies[0].rows].filter((r) => r.getClientRects().length > 0).length, t);
      result.tables.push(entry);
    }
  } finally {
    await browser.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().then(
  () => { process.exitCode = 0; },
  (error) => {
    process.stderr.write(`check-table-script: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 2;
  },
);
