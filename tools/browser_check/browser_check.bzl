"""lrb_browser_test: a test that opens an HTML file in headless Chromium (docs/browser_check.md)."""

def lrb_browser_test(name, html, expect = [], size = "medium", **kwargs):
    """Fails when the page has a console error, looks blank, or breaks the plot contract.

    The screenshot and the DOM after scripts ran are kept in the test's outputs:
    bazel-testlogs/<package>/<name>/test.outputs/outputs.zip (or test.outputs/ unzipped).

    Args:
      name: the test's name.
      html: label of the HTML file, e.g. a genrule's output "//leaderboard:smoke.html".
      expect: ["PLOT_ID:SERIES_COUNT", ...], plots that must be on the page.
      size: the test size; one check takes a few seconds.
      **kwargs: passed to the sh_test (tags, timeout, ...).
    """
    checker = "//tools/browser_check:browser_check"
    args = [
        "$(rootpath %s)" % checker,
        "--html=$(rootpath %s)" % html,
    ]
    if expect:
        args.append("--expect=" + ",".join(expect))
    native.sh_test(
        name = name,
        size = size,
        srcs = ["//tools/browser_check:run_browser_check.sh"],
        args = args,
        data = [checker, html],
        **kwargs
    )
