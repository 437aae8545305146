#!/bin/sh
# The body of every lrb_browser_test (browser_check.bzl): runs the checker, its first
# argument, with the rest. A script because sh_test needs one; all logic is in the checker.
exec "$@"
