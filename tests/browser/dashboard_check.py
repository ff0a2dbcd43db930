"""Loads `anneal dashboard`'s page in headless Chromium and reports, as one JSON object on
stdout, what a user sees there — before and after a command (a build) runs:

  dashboard_check.py URL SCREENSHOT [--then COMMAND --cwd DIR --expect-new N]

  {"before": SEEN, "after": SEEN, "appeared_s": SECONDS after COMMAND ended, or null}
  SEEN = {"target", "points", "rows", "best", "best_text", "ids", "live", "error"}

The test that runs it asserts on those; this only looks. Exit status 0 unless the browser
could not be driven."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

SEEN = """(() => ({
  target: document.getElementById('target-name').textContent,
  points: Number(document.getElementById('trajectory-box').dataset.points),
  chart_points: (window.Chart && Chart.getChart('trajectory')) ? Chart.getChart('trajectory').data.datasets
      .filter(d => d.type === 'scatter').reduce((n, d) => n + d.data.length, 0) : -1,
  rows: document.querySelectorAll('#points tbody tr').length,
  ids: [...document.querySelectorAll('#points tbody tr')].map(r => Number(r.dataset.id)),
  best: document.getElementById('best-score').dataset.value || null,
  best_text: document.getElementById('best-score').textContent,
  live: document.getElementById('live').textContent,
  error: document.getElementById('error').textContent,
}))()"""


def main(argv):
    url, screenshot = argv[1], argv[2]
    options = dict(zip(argv[3::2], argv[4::2]))
    report = {"before": None, "after": None, "appeared_s": None}
    with Browser() as browser:
        browser.navigate(url)
        ready = browser.wait_for("document.body && document.body.dataset.ready === '1' && "
                                 "document.getElementById('live').textContent === 'live'", 20)
        report["before"] = browser.evaluate(SEEN)
        report["before"]["ready"] = bool(ready)
        if "--then" in options:
            before = report["before"]["points"]
            expected = before + int(options.get("--expect-new", "1"))
            subprocess.run(options["--then"], shell=True, cwd=options.get("--cwd"), check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            ended = time.monotonic()
            if browser.wait_for(f"Number(document.getElementById('trajectory-box').dataset.points) >= {expected}", 10):
                report["appeared_s"] = time.monotonic() - ended
            # The status (best score) follows the records by a moment.
            browser.wait_for("true", 0.5)
            time.sleep(0.5)
            report["after"] = browser.evaluate(SEEN)
        os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
        browser.screenshot(screenshot)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
