#!/bin/bash
# make test-browser never passes silently: without Chromium it is exit 3
# and says how to install it. (The browser run itself is make test-browser,
# which .ci/run runs after make test.)
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:?}
t_exit "test-browser without Chromium is exit 3" 3 env PF_CHROMIUM=pf-no-such-browser "$ROOT/tools/test_browser.sh"
t_grep "  and says so" "needs Chromium: pf-no-such-browser not found" "$T_ERR"
t_grep "  and how to install it" "make deps" "$T_ERR"
t_nogrep "  with no ok line" "^ok - " "$T_OUT"
t_done
