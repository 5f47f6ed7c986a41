// Loads every console page of a running vigia in Debian's Chromium, as an
// operator would, and checks what a person reads there. Started by the
// cargo test `console::in_a_real_browser`, which seeds the daemon's store.
//
// usage: node console.mjs BASE_URL SCREENSHOT_DIR STORY_ID
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [base, shots, story] = process.argv.slice(2);
if (!base || !shots || !story) {
  console.error("usage: node console.mjs BASE_URL SCREENSHOT_DIR STORY_ID");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
// A phone-sized window: the pages must read there.
const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
const problems = [];
page.on("console", (m) => {
  if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
});
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("dialog", (d) => {
  problems.push(`a dialog opened: ${d.message()}`);
  d.dismiss();
});

let failures = 0;
// Submits the page's form (the first, or `form`) and checks the answer.
async function submit(what, form = "form") {
  const [resp] = await Promise.all([page.waitForNavigation(), page.click(`${form} button`)]);
  check(resp.status() === 200, `${what} answers 200 (got ${resp.status()})`);
}
function check(ok, what) {
  if (!ok) {
    failures++;
    console.error(`FAIL ${what}`);
  } else {
    console.log(`ok   ${what}`);
  }
}

async function visit(path, name) {
  const resp = await page.goto(base + path);
  check(resp.status() === 200, `${path} answers 200 (got ${resp.status()})`);
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  return page.innerText("main");
}

async function noScroll(path) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  check(!wide, `${path} fits a phone's width`);
}

let text = await visit("/", "overview");
check(text.includes("vigia is ok"), "overview says vigia is ok");
check(/detentions in Venezuela\s+4\s+4/.test(text), "overview counts the rule's hits of the day and week");
await noScroll("/");

text = await visit("/sources", "sources");
check(text.includes("Test feed"), "sources lists the feed");

text = await visit("/alerts?channel=alerts", "alerts");
check(text.includes("<script>document.title='owned'</script> Detienen a activista en Caracas"),
  "a title's markup reads as text");
check(text.includes("<img src=x onerror="), "a summary's markup reads as text");
check((await page.title()) === "Alerts · vigia", "no script from a feed ran");
check((await page.locator("main img").count()) === 0, "no image from a feed became an element");
const marks = await page.locator("mark").allInnerTexts();
check(marks.includes("Detienen") && marks.includes("Caracas"), `matched words are highlighted (${marks.slice(0, 6)})`);
check(text.includes("rules: detentions in Venezuela"), "alerts show the rules that fired");
check(text.includes("printed without a token"), "alerts show their delivery state");
await noScroll("/alerts");

text = await visit(`/stories/${story}`, "story");
check(text.includes("2 report(s)"), "the story lists its two reports");
check(text.indexOf("a periodista Juan Pérez") < text.indexOf("denuncia el SNTP"), "reports in the order found");

await visit("/search", "search-form");
await page.fill("input[name=q]", "feria libro");
await submit("a search");
text = await page.innerText("main");
check(text.includes("Caracas celebra su feria del libro"), "search finds an item by its words");
await page.screenshot({ path: `${shots}/search.png`, fullPage: true });

await visit("/try", "try-form");
await page.fill("textarea[name=text]", "Detienen a dirigente sindical en Caracas\nLo llevaron al SEBIN.");
await submit("a try");
text = await page.innerText("main");
check(text.includes("would alert"), "try says the pasted report would alert");
check((await page.locator("main mark").allInnerTexts()).includes("Detienen"), "try highlights the matched words");
await page.screenshot({ path: `${shots}/try.png`, fullPage: true });

await visit("/backtest", "backtest-form");
await page.selectOption("select[name=file]", "detention");
await submit("opening a list", "form[method=get]");
const list = await page.inputValue("textarea[name=text]");
check(list.includes("detienen"), "backtest opens the list as saved");
await page.fill("textarea[name=text]", list.replace("detienen\n", ""));
await submit("a backtest", "form[method=post]");
text = await page.innerText("main");
check(text.includes("- detienen"), "backtest shows the edit");
check(text.includes("Would no longer alert"), "backtest shows the alerts the edit loses");
check(text.includes("To keep this edit, save the text above as"), "backtest says how to save the edit");
await page.screenshot({ path: `${shots}/backtest.png`, fullPage: true });

check(problems.length === 0, `the browser reported no error (${problems.join("; ")})`);
await browser.close();
if (failures > 0) {
  console.error(`${failures} check(s) failed`);
  process.exit(1);
}
console.log("every check passed");
