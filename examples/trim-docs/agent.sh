#!/bin/sh
# A stand-in for a coding agent: removes one filler word from guide.md, chosen from the
# experiment's seed, and says what it tried. One time in seven it also "helpfully" edits
# the checker, which the scope forbids, so the whole candidate is blocked; the next prompt
# ($ANNEAL_PROMPT_FILE) tells it so.
set -eu
words="very really actually basically just quite honestly"
n=$(echo $words | wc -w)
pick=$(( ANNEAL_SEED % n + 1 ))
word=$(echo $words | cut -d' ' -f$pick)
# Remove the first occurrence (either case) with the space before it.
awk -v w="$word" 'BEGIN { done = 0 }
  !done { l = tolower($0); i = index(l, " " w " ");
          if (i == 0) { i = index(l, " " w ","); }
          if (i > 0) { $0 = substr($0, 1, i - 1) substr($0, i + length(w) + 1); done = 1 } }
  { print }' guide.md > guide.md.new
mv guide.md.new guide.md
if [ $(( ANNEAL_SEED % 7 )) -eq 0 ]; then
  echo "# tweaked" >> check.sh
fi
echo "remove one '$word' from guide.md" > "$ANNEAL_HYPOTHESIS_FILE"
