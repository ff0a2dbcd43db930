#!/bin/sh
# Gate: the guide keeps its title, its three sections and its three numbered steps.
[ "$(grep -c '^## ' guide.md)" -eq 3 ] && [ "$(grep -c '^[0-9]\. ' guide.md)" -eq 3 ] && head -n 1 guide.md | grep -q '^# '
