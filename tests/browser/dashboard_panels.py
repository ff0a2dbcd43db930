"""Opens each named target's page of `anneal dashboard` in headless Chromium, reads what its
search panels show (the Pareto front, the archive's cells, the candidate tree, the outcome
counts), then clicks one experiment and one of its nodes and reads the experiment's panel,
reporting one JSON object on stdout:

  dashboard_panels.py BASE_URL SCREENSHOT_DIR TARGET... --click TARGET:ID

  {"targets": {TARGET: PANELS}, "clicked": EXPERIMENT}
  PANELS = {"error", "front_shown", "front_rows", "front_chart_points", "archive_shown",
            "archive_text", "archive_cells", "tree_shown", "tree_items", "outcomes"}
  EXPERIMENT = {"title", "facts": {NAME: VALUE}, "nodes": [[draft, what, outcome, duration,
                cache, key]], "diff_add", "diff_del", "node_log_title", "node_logs"}

The test that runs it asserts on those; this only looks. A screenshot of each page goes to
SCREENSHOT_DIR/dashboard-TARGET.png."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

PANELS = """(() => {
  const shown = id => !document.getElementById(id).classList.contains('hidden');
  const front = Chart.getChart('front-chart');
  return {
    error: document.getElementById('error').textContent,
    front_shown: shown('front-panel'),
    front_rows: document.querySelectorAll('#front tbody tr').length,
    front_chart_points: front ? front.data.datasets.find(d => d.label === 'front').data.length : -1,
    archive_shown: shown('archive-panel'),
    archive_text: document.getElementById('archive').textContent,
    archive_cells: [...document.querySelectorAll('#archive-grid td.cell')].filter(td => td.dataset.id)
        .map(td => Number(td.dataset.id)),
    tree_shown: shown('tree-panel'),
    tree_items: document.querySelectorAll('#tree li').length,
    outcomes: Object.fromEntries([...document.querySelectorAll('#outcomes tbody tr')]
        .map(tr => [tr.dataset.outcome, Number(tr.dataset.count)])),
  };
})()"""

EXPERIMENT = """(() => {
  const facts = {};
  const list = document.getElementById('experiment-facts');
  for (const dt of list.querySelectorAll('dt')) facts[dt.textContent] = dt.nextElementSibling.textContent;
  const diff = document.getElementById('diff');
  return {
    title: document.getElementById('experiment-title').textContent,
    facts,
    nodes: [...document.querySelectorAll('#nodes tbody tr')].map(tr => [...tr.cells].map(td => td.textContent)),
    diff_add: diff.querySelectorAll('span.add').length,
    diff_del: diff.querySelectorAll('span.del').length,
  };
})()"""

READY = ("document.body && document.body.dataset.ready === '1' && "
         "document.getElementById('live').textContent === 'live'")


def main(argv):
    base, shots = argv[1].rstrip("/"), argv[2]
    targets, click = [], None
    rest = argv[3:]
    while rest:
        if rest[0] == "--click":
            click = rest[1]
            rest = rest[2:]
        else:
            targets.append(rest.pop(0))
    report = {"targets": {}, "clicked": None}
    os.makedirs(shots, exist_ok=True)
    with Browser() as browser:
        for target in targets:
            browser.navigate(f"{base}/targets/{target}")
            browser.wait_for(READY + f" && document.getElementById('target-name').textContent === '{target}'", 20)
            report["targets"][target] = browser.evaluate(PANELS)
            browser.screenshot(os.path.join(shots, f"dashboard-{target}.png"))
        if click:
            target, wanted = click.split(":")
            browser.navigate(f"{base}/targets/{target}")
            browser.wait_for(READY, 20)
            # A user clicks the experiment's row in the table of points...
            clicked = browser.evaluate(f"""(() => {{
              const row = document.querySelector('#points tbody tr[data-id="{wanted}"]');
              if (!row) return false;
              row.click();
              return true;
            }})()""")
            if clicked and browser.wait_for("!document.getElementById('experiment').classList.contains('hidden') && "
                                            "document.querySelectorAll('#nodes tbody tr').length > 0", 10):
                seen = browser.evaluate(EXPERIMENT)
                # ...then the row of its stage, to read that node's log.
                browser.evaluate("""(() => {
                  const row = [...document.querySelectorAll('#nodes tbody tr')].find(tr => tr.cells[1].textContent.startsWith('stage'));
                  if (row) row.click();
                })()""")
                browser.wait_for("document.querySelectorAll('#node-logs pre').length > 0 || "
                                 "document.querySelector('#node-logs p')", 10)
                seen["node_log_title"] = browser.evaluate(
                    "(document.querySelector('#node-logs h2') || {}).textContent || ''")
                seen["node_logs"] = browser.evaluate(
                    "[...document.querySelectorAll('#node-logs pre')].map(p => p.textContent)")
                report["clicked"] = seen
                browser.screenshot(os.path.join(shots, f"dashboard-{target}-{wanted}.png"))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
